package streams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// MirrorStatus is how a mirror's replication stands, as this host sees
// it.
type MirrorStatus struct {
	// Stream is the mirror; Domain and Source name its source.
	Stream, Domain, Source string
	// Records and LastSequence are what the mirror holds: its records
	// (not the reshards' barriers) and its last stream sequence.
	Records, LastSequence uint64
	// Missed counts the sequence numbers the mirror skipped because the
	// source no longer had them when the mirror asked: records that aged
	// out (or were deleted) at the edge before the link came back. They
	// never reach the hub.
	Missed uint64
	// Lag is how many records the source had that the mirror had yet to
	// store, as JetStream counted at its last contact with the source: it
	// is not updated while the link is down, nor while the mirror waits
	// to set its consumer up again after an outage.
	Lag uint64
	// SourceReachable says whether the source's stream answered just
	// now; SourceLastSequence is then its last sequence number, and
	// Behind how many sequence numbers the mirror has yet to take
	// (SourceLastSequence - LastSequence): the backlog as it is now.
	SourceReachable            bool
	SourceLastSequence, Behind uint64
	// LastContact is how long ago the mirror last heard from the source
	// (JetStream's heartbeats and records); negative: never.
	LastContact time.Duration
	// Error is JetStream's replication error, if any.
	Error string
	// DefinitionRevision is the source definition's revision taken;
	// DefinitionRead is when this host last read it (zero: not yet) and
	// DefinitionError why its last attempt failed.
	DefinitionRevision uint64
	DefinitionRead     time.Time
	DefinitionError    string
	// SourceDeleted and SourceReplaced: see Mirror.
	SourceDeleted, SourceReplaced bool
}

// MirrorStatus reports the replication of mirror name. A stream that is
// no mirror is ErrInvalidArgument.
func (e *Engine) MirrorStatus(ctx context.Context, name string) (MirrorStatus, error) {
	if err := ValidateName(name); err != nil {
		return MirrorStatus{}, err
	}
	s, err := e.loadActive(ctx, name)
	if err != nil {
		return MirrorStatus{}, err
	}
	if s.Mirror == nil {
		return MirrorStatus{}, errorf(ErrInvalidArgument, "Stream %s under account %s is not a mirror.", name, e.cfg.AccountID)
	}
	st := MirrorStatus{Stream: name, Domain: s.Mirror.Domain, Source: s.Mirror.Stream, LastContact: -1,
		DefinitionRevision: s.Mirror.Revision, SourceDeleted: s.Mirror.SourceDeleted, SourceReplaced: s.Mirror.SourceReplaced}
	st.DefinitionRead, st.DefinitionError = e.contacts.last(name)
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	// A grouped mirror is one JetStream mirror per part: counts add up
	// over the parts (so LastSequence, like the on-demand meter's, is the
	// sum of the parts' last sequences), the contact is the stalest.
	reachable := true
	for g := range s.parts() {
		js, err := e.js.Stream(ctx, partJS(name, g))
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return MirrorStatus{}, e.notFound(name)
		}
		if err != nil {
			return MirrorStatus{}, fmt.Errorf("mirror status %s: %w", name, err)
		}
		info := js.CachedInfo()
		// A mirror's interior deletes are JetStream's skips of what the
		// source lacked: Sluice deletes no single record (a reshard's
		// barrier stays, and is mirrored), and retention removes from the
		// front.
		barriers, err := e.barriers(ctx, name, g)
		if err != nil {
			return MirrorStatus{}, fmt.Errorf("mirror status %s: %w", name, err)
		}
		st.Records += info.State.Msgs - min(barriers, info.State.Msgs)
		st.LastSequence += info.State.LastSeq
		st.Missed += uint64(info.State.NumDeleted)
		if mi := info.Mirror; mi != nil {
			st.Lag += mi.Lag
			if g == 0 || mi.Active > st.LastContact {
				st.LastContact = mi.Active
			}
			if mi.Error != nil && st.Error == "" {
				st.Error = mi.Error.Error()
			}
		}
		last, ok := e.sourceLastSeq(ctx, s.Mirror, g)
		reachable = reachable && ok
		st.SourceLastSequence += last
		if last > info.State.LastSeq {
			st.Behind += last - info.State.LastSeq
		}
	}
	// The source's figures only when every part of it answered.
	if st.SourceReachable = reachable; !reachable {
		st.SourceLastSequence, st.Behind = 0, 0
	}
	return st, nil
}

// sourceStatusTimeout bounds the source's stream info in MirrorStatus: a
// link that is down must not hold the status up.
const sourceStatusTimeout = 2 * time.Second

// sourceLastSeq asks the stream info of part g of the source through its
// domain.
func (e *Engine) sourceLastSeq(ctx context.Context, m *Mirror, g int) (uint64, bool) {
	if m.SourceDeleted {
		return 0, false
	}
	js, err := jetstream.NewWithDomain(e.nc, m.Domain)
	if err != nil {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(ctx, sourceStatusTimeout)
	defer cancel()
	st, err := js.Stream(ctx, partJS(m.Stream, g))
	if err != nil {
		return 0, false
	}
	return st.CachedInfo().State.LastSeq, true
}

// contacts remembers, per mirror, this host's last read of the source's
// definition. Bound: one entry per mirror this engine synced; entries of
// deleted mirrors go at the next sync that no longer sees them.
type contacts struct {
	mu sync.Mutex
	m  map[string]contact
}

type contact struct {
	read time.Time // last success
	err  string    // last failure, "" after a success
}

func (c *contacts) record(name string, at time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]contact{}
	}
	cur := c.m[name]
	if err != nil {
		cur.err = err.Error()
	} else {
		cur.read, cur.err = at, ""
	}
	c.m[name] = cur
}

func (c *contacts) last(name string) (time.Time, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.m[name]
	return cur.read, cur.err
}

// keep drops the entries of mirrors not in names.
func (c *contacts) keep(names map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := range c.m {
		if !names[n] {
			delete(c.m, n)
		}
	}
}
