package streams

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
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

// writeMeter counts what this process stored per stream since the last
// scaling pass.
type writeMeter struct {
	mu     sync.Mutex
	counts map[string]*writeCount
}

type writeCount struct {
	bytes, records int64
	since          time.Time
}

func (m *writeMeter) add(name string, bytes, records int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.count(name)
	c.bytes += int64(bytes)
	c.records += int64(records)
}

// take returns and resets a stream's counts and the time they started
// (zero the first time: the window starts now).
func (m *writeMeter) take(name string, now time.Time) (writeCount, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.count(name)
	out := *c
	*c = writeCount{since: now}
	return out, !out.since.IsZero()
}

// count returns a stream's counts, made on first use; m.mu is held.
func (m *writeMeter) count(name string) *writeCount {
	if m.counts == nil {
		m.counts = map[string]*writeCount{}
	}
	c, ok := m.counts[name]
	if !ok {
		c = &writeCount{}
		m.counts[name] = c
	}
	return c
}

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
	for _, s := range all {
		if s.StreamMode() != ModeOnDemand || s.Status != StatusActive || s.Mirror != nil {
			continue
		}
		p := e.cfg.OnDemand
		if s.OnDemand != nil {
			p = *s.OnDemand
		}
		p = p.withDefaults(e.cfg.OnDemand)
		if now.Sub(s.LastReshard) < p.Cooldown {
			continue // the window since the reshard keeps counting
		}
		c, ok := e.writes.take(s.Name, now)
		secs := now.Sub(c.since).Seconds()
		if !ok || secs <= 0 {
			continue
		}
		open := s.OpenShards()
		util := math.Max(float64(c.bytes)/secs/float64(open*DefaultShardWriteBytes),
			float64(c.records)/secs/float64(open*DefaultShardWriteRecords))
		target := onDemandTarget(open, util, p)
		if target == open {
			continue
		}
		e.log.Info("on-demand reshard", "stream", s.Name, "from", open, "to", target, "utilisation", util)
		err := e.UpdateShardCount(ctx, s.Name, target)
		if err != nil && !errors.Is(err, ErrInUse) && first == nil {
			first = fmt.Errorf("on-demand %s: %w", s.Name, err)
		}
		e.writes.take(s.Name, e.now()) // measure the new shard count afresh
	}
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

// maintainLoop runs ScaleOnDemand and PruneShards every interval until
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
		}
	}
}
