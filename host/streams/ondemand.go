package streams

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream modes, as StreamModeDetails names them.
const (
	ModeProvisioned = "PROVISIONED"
	ModeOnDemand    = "ON_DEMAND"
)

// On-demand defaults.
const (
	// DefaultScaleInterval is how often the engine measures on-demand
	// streams' write rates and reshards them.
	DefaultScaleInterval = 10 * time.Second
	// DefaultOnDemandMaxShards bounds an on-demand stream's growth.
	DefaultOnDemandMaxShards = 64
	// DefaultScaleUp and DefaultScaleDown are the utilisations (write rate
	// over what the open shards take) above which a stream grows and
	// below which it shrinks.
	DefaultScaleUp   = 0.8
	DefaultScaleDown = 0.2
	// DefaultCooldown is the least time between two automatic reshards.
	DefaultCooldown = 5 * time.Minute
)

// OnDemandPolicy bounds how an ON_DEMAND stream scales itself. Zero fields
// take the engine's defaults.
type OnDemandPolicy struct {
	MinShards int           `json:"minShards,omitempty"`
	MaxShards int           `json:"maxShards,omitempty"`
	ScaleUp   float64       `json:"scaleUp,omitempty"`
	ScaleDown float64       `json:"scaleDown,omitempty"`
	Cooldown  time.Duration `json:"cooldown,omitempty"`
}

// withDefaults fills zero fields from def, then from the package defaults.
func (p OnDemandPolicy) withDefaults(def OnDemandPolicy) OnDemandPolicy {
	pick := func(v, d, pkg float64) float64 {
		if v != 0 {
			return v
		}
		if d != 0 {
			return d
		}
		return pkg
	}
	p.MinShards = int(pick(float64(p.MinShards), float64(def.MinShards), 1))
	p.MaxShards = int(pick(float64(p.MaxShards), float64(def.MaxShards), DefaultOnDemandMaxShards))
	p.ScaleUp = pick(p.ScaleUp, def.ScaleUp, DefaultScaleUp)
	p.ScaleDown = pick(p.ScaleDown, def.ScaleDown, DefaultScaleDown)
	p.Cooldown = time.Duration(pick(float64(p.Cooldown), float64(def.Cooldown), float64(DefaultCooldown)))
	return p
}

func (p OnDemandPolicy) validate(maxShards int) error {
	switch {
	case p.MinShards < 1 || p.MaxShards < p.MinShards || p.MaxShards > maxShards:
		return errorf(ErrInvalidArgument, "On-demand shard bounds %d..%d must satisfy 1 <= min <= max <= %d.", p.MinShards, p.MaxShards, maxShards)
	case p.ScaleDown <= 0 || p.ScaleUp <= p.ScaleDown:
		return errorf(ErrInvalidArgument, "On-demand utilisations must satisfy 0 < scale down (%g) < scale up (%g).", p.ScaleDown, p.ScaleUp)
	case p.Cooldown < 0:
		return errorf(ErrInvalidArgument, "On-demand cool-down %s is negative.", p.Cooldown)
	}
	return nil
}

// SetStreamMode switches a stream between PROVISIONED and ON_DEMAND.
// policy (ON_DEMAND only; nil keeps the stream's or takes the engine's)
// bounds the automatic scaling.
func (e *Engine) SetStreamMode(ctx context.Context, name, mode string, policy *OnDemandPolicy) error {
	if mode != ModeProvisioned && mode != ModeOnDemand {
		return validationf(mode, "streamModeDetails.streamMode", "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")
	}
	if policy != nil {
		if mode != ModeOnDemand {
			return errorf(ErrInvalidArgument, "An on-demand policy needs mode ON_DEMAND.")
		}
		if err := policy.withDefaults(e.cfg.OnDemand).validate(e.cfg.MaxShards); err != nil {
			return err
		}
	}
	_, err := e.update(ctx, name, func(s *Stream) error {
		if err := e.requireActive(s); err != nil {
			return err
		}
		s.Mode = mode
		if mode == ModeProvisioned {
			s.OnDemand = nil
		} else if policy != nil {
			s.OnDemand = policy
		}
		return nil
	})
	return err
}

// StreamMode is the stream's mode, PROVISIONED unless set.
func (s *Stream) StreamMode() string {
	if s.Mode == "" {
		return ModeProvisioned
	}
	return s.Mode
}

// writeMeter measures what every host stored in each on-demand stream
// since the last scaling pass, from the JetStream streams' state (summed
// over a grouped stream's parts): no
// host counts its own puts, so the measure is the whole cluster's.
//
//   - records: the growth of the stream's last sequence, which grows by
//     one for each record stored by any host (and for each reshard's
//     barrier, one per reshard: noise);
//   - bytes: those records times the stream's mean stored message size
//     (state bytes over state messages), which includes each message's
//     subject, headers and JetStream's own framing, so it overstates the
//     data and partition keys Kinesis counts by a few dozen bytes per
//     record: that matters only for small records, whose rate the record
//     count already bounds more tightly.
//
// It holds one baseline (a sequence and a time) per on-demand stream.
type writeMeter struct {
	mu    sync.Mutex
	bases map[string]writeBase
}

type writeBase struct {
	seq   uint64
	since time.Time
}

// writeCount is what a window measured.
type writeCount struct {
	bytes, records float64
	since          time.Time
}

// take returns what was stored in name since its baseline and starts a
// new window at now and the stream's state st. ok is false the first
// time (or after the stream's sequence went back, a stream made again):
// the window starts now.
func (m *writeMeter) take(name string, now time.Time, st jetstream.StreamState) (writeCount, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bases == nil {
		m.bases = map[string]writeBase{}
	}
	b, ok := m.bases[name]
	m.bases[name] = writeBase{seq: st.LastSeq, since: now}
	if !ok || st.LastSeq < b.seq {
		return writeCount{}, false
	}
	c := writeCount{records: float64(st.LastSeq - b.seq), since: b.since}
	if st.Msgs > 0 {
		c.bytes = c.records * float64(st.Bytes) / float64(st.Msgs)
	}
	return c, true
}

// forget drops the baselines of streams no longer on demand.
func (m *writeMeter) forget(keep map[string]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name := range m.bases {
		if !keep[name] {
			delete(m.bases, name)
		}
	}
}

// errCoolingDown: another host resharded the stream within its
// cool-down since this host read its definition.
var errCoolingDown = errors.New("on-demand stream is cooling down")

// ScaleOnDemand runs one scaling pass over the ON_DEMAND streams: each
// one's write rate since the previous pass (or since its last reshard,
// when that was later), over what its open shards take
// (KinesisLimits per shard), is its utilisation; above the policy's
// ScaleUp it grows, below ScaleDown it shrinks, toward the utilisation
// halfway between, by at most double or half (UpdateShardCount's rule),
// within the policy's bounds and never within Cooldown of its last
// reshard. The engine's background loop calls it every ScaleInterval;
// tests call it directly with a fake clock. It returns the first error
// and goes on with the other streams.
func (e *Engine) ScaleOnDemand(ctx context.Context) error {
	all, err := e.streams(ctx)
	if err != nil {
		return err
	}
	var first error
	now := e.now()
	onDemand := map[string]bool{}
	for _, s := range all {
		if s.StreamMode() != ModeOnDemand || s.Status != StatusActive || s.Mirror != nil {
			continue
		}
		onDemand[s.Name] = true
		p := e.cfg.OnDemand
		if s.OnDemand != nil {
			p = *s.OnDemand
		}
		p = p.withDefaults(e.cfg.OnDemand)
		if now.Sub(s.LastReshard) < p.Cooldown {
			continue // the window since the reshard keeps counting
		}
		state, err := e.partsState(ctx, s)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("on-demand %s: %w", s.Name, err)
			}
			continue
		}
		c, ok := e.writes.take(s.Name, now, state)
		secs := now.Sub(c.since).Seconds()
		if !ok || secs <= 0 {
			continue
		}
		open := s.OpenShards()
		util := math.Max(c.bytes/secs/float64(open*DefaultShardWriteBytes),
			c.records/secs/float64(open*DefaultShardWriteRecords))
		target := onDemandTarget(open, util, p)
		if target == open {
			continue
		}
		e.log.Info("on-demand reshard", "stream", s.Name, "from", open, "to", target, "utilisation", util)
		// Every host runs this pass on the same measure: the first to
		// reshard wins, the others find the stream UPDATING or, checked
		// again on the definition the reshard plans on, cooling down.
		err = e.updateShardCount(ctx, s.Name, target, func(cur *Stream) error {
			if cur.StreamMode() != ModeOnDemand || e.now().Sub(cur.LastReshard) < p.Cooldown {
				return errCoolingDown
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrInUse) && !errors.Is(err, errCoolingDown) && first == nil {
			first = fmt.Errorf("on-demand %s: %w", s.Name, err)
		}
		if state, err := e.partsState(ctx, s); err == nil {
			e.writes.take(s.Name, e.now(), state) // measure the new shard count afresh
		}
	}
	e.writes.forget(onDemand)
	return first
}

// onDemandTarget is the shard count an on-demand stream with open shards
// at utilisation util should move to.
func onDemandTarget(open int, util float64, p OnDemandPolicy) int {
	mid := (p.ScaleUp + p.ScaleDown) / 2
	want := int(math.Ceil(float64(open) * util / mid))
	switch {
	case util > p.ScaleUp:
		return max(open, min(want, 2*open, p.MaxShards))
	case util < p.ScaleDown:
		return min(open, max(want, (open+1)/2, p.MinShards))
	}
	return open
}

// maintainLoop runs ScaleOnDemand, PruneShards and finishStuck every interval until
// ctx ends.
func (e *Engine) maintainLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.ScaleOnDemand(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("on-demand scaling", "err", err)
			}
			if err := e.PruneShards(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("pruning expired shards", "err", err)
			}
			if err := e.finishStuck(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("finishing stuck stream changes", "err", err)
			}
		}
	}
}
