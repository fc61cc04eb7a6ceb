package streams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/jsretry"
)

// The fence of a reshard, on the data path, for every host that puts.
//
// A data stream's JetStream stream takes exactly the subjects of its open
// shards, plus its barrier subject (fenceSubject). A reshard's switch
// (finishReshard) first updates those subjects: the parents' subjects go,
// the children's come. From then on JetStream refuses a record published
// to a parent: no stream takes the subject, and the publisher is answered
// "no responders" at once. The host that put it reloads the definition
// and puts it again on the child that now holds its hash key (put.go).
//
// A record JetStream took before the update can still wait in the
// stream's inbound queue, and be stored after the update returned, with a
// higher sequence than the stream's LastSeq read then (RATIONALE.md,
// "Resharding across hosts"). So the switch then publishes a barrier to
// the barrier subject and waits for its acknowledgement: the queue (and,
// on a cluster, the stream's RAFT log) is first in first out, so every
// record taken before the update is stored below the barrier's sequence
// B. Parents close with EndingSequence B, children open at B+1.

// openSubjects is the JetStream subjects of part g of a stream (the
// whole stream unless it is grouped, groups.go): its open shards'
// subjects and its barrier subject.
func openSubjects(s *Stream, g int) []string {
	out := make([]string, 0, len(s.Shards)+1)
	for _, sh := range s.Shards {
		if sh.Open() && s.partOf(sh.ID) == g {
			out = append(out, shardSubject(s.Name, sh.ID))
		}
	}
	return append(out, partFence(s.Name, g))
}

// fencedSubjects is the JetStream subjects of part g of a stream whose
// pending reshard r is switching: its open shards but r's parents, r's
// children that are born open, and its barrier subject.
func fencedSubjects(s *Stream, r *Reshard, g int) []string {
	out := make([]string, 0, len(s.Shards)+len(r.New)+1)
	for _, sh := range s.Shards {
		if sh.Open() && !slices.Contains(r.Close, sh.ID) && s.partOf(sh.ID) == g {
			out = append(out, shardSubject(s.Name, sh.ID))
		}
	}
	for _, c := range r.New {
		if c.Open() && s.partOf(c.ID) == g {
			out = append(out, shardSubject(s.Name, c.ID))
		}
	}
	return append(out, partFence(s.Name, g))
}

// wildcardSubjects is how streams made before the fence existed took
// every shard subject; their first reshard replaces it (setSubjects).
func wildcardSubjects(name string) []string { return []string{subjectPrefix + token(name) + ".>"} }

// setSubjects makes the JetStream stream of name take exactly subjects,
// keeping the rest of its configuration. Writers of that configuration
// (a reshard's switch, a retention change, a rollback) hold the stream
// UPDATING in its definition (a compare-and-set), so no two of them
// rewrite it at once.
func (e *Engine) setSubjects(ctx context.Context, name string, g int, subjects []string) error {
	return e.updateJetStream(ctx, name, g, func(cfg *jetstream.StreamConfig) bool {
		if slices.Equal(cfg.Subjects, subjects) {
			return false
		}
		cfg.Subjects = subjects
		return true
	})
}

// updateJetStream changes the configuration of part g of name's JetStream streams
// with change (which reports whether it changed anything), retrying a
// request a cluster leaves unanswered.
func (e *Engine) updateJetStream(ctx context.Context, name string, g int, change func(*jetstream.StreamConfig) bool) error {
	return jsretry.Do(ctx, func(ctx context.Context) error {
		info, err := e.partInfo(ctx, name, g)
		if err != nil {
			return err
		}
		cfg := info.Config
		if !change(&cfg) {
			return nil
		}
		_, err = e.js.UpdateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return e.notFound(name)
		}
		return err
	})
}

// barrier publishes a barrier to the barrier subject of part g of name
// and returns its stream sequence: every record JetStream took before the call is stored
// below it. The barrier stays in the stream (until retention drops it):
// it is on no shard's subject, so no GetRecords returns it, and a reader
// of the whole stream (a delivery stream, a mirror) sees by its subject
// (IsBarrier) that the sequence is no record. Deleted, it would leave a
// hole such a reader could not tell from records lost.
func (e *Engine) barrier(ctx context.Context, name string, g int) (uint64, error) {
	var seq uint64
	err := jsretry.Do(ctx, func(ctx context.Context) error {
		m := &nats.Msg{Subject: partFence(name, g), Header: nats.Header{jetstream.ExpectedStreamHeader: []string{partJS(name, g)}}}
		ack, err := e.js.PublishMsg(ctx, m)
		if err != nil {
			return err
		}
		seq = ack.Sequence
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reshard %s: barrier: %w", name, err)
	}
	return seq, nil
}

// barriers counts the reshard barriers part g of name holds.
func (e *Engine) barriers(ctx context.Context, name string, g int) (uint64, error) {
	subj := partFence(name, g)
	st, err := e.js.Stream(ctx, partJS(name, g))
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(subj))
	if err != nil {
		return 0, err
	}
	return info.State.Subjects[subj], nil
}

// strays returns the closed shards of s (closed by its last reshard,
// ClosedAt equal to LastReshard) holding a record past their
// EndingSequence: a record stored on a parent after the barrier, which
// the fence and barrier leave no room for (RATIONALE.md). It costs one
// request per such shard; finishReshard runs it after each commit and
// logs what it finds.
func (e *Engine) strays(ctx context.Context, s *Stream) ([]string, error) {
	var out []string
	for _, sh := range s.Shards {
		if sh.Open() || !sh.ClosedAt.Equal(s.LastReshard) {
			continue
		}
		st, err := e.js.Stream(ctx, s.jsOf(sh.ID))
		if err != nil {
			return out, err
		}
		m, err := st.GetLastMsgForSubject(ctx, shardSubject(s.Name, sh.ID))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		if m.Sequence > sh.EndingSequence {
			out = append(out, sh.ID)
		}
	}
	return out, nil
}

// fence sets the JetStream subjects of s for its pending reshard r: the
// parents' subjects go, the children's come. Just before, it checks that
// the plan is still pending (another host finishing a stuck reshard may
// have committed it, and a new reshard begun since); just after, that it
// still is, and if not it sets the subjects the definition now calls for.
// JetStream has no compare-and-set on a stream's configuration, so a
// host stalled between the check and its write could still write a stale
// set; RATIONALE.md ("Resharding across hosts") says what that costs.
func (e *Engine) fence(ctx context.Context, s *Stream, r *Reshard) error {
	pending := func(cur *Stream) bool { return cur.Status == StatusUpdating && samePlan(cur.Pending, r) }
	cur, _, err := e.fetch(ctx, s.Name)
	if err != nil {
		return err
	}
	if !pending(cur) {
		return e.notPending(cur, r)
	}
	for g := range s.parts() {
		if err := e.setSubjects(ctx, s.Name, g, fencedSubjects(s, r, g)); err != nil {
			return fmt.Errorf("reshard %s: fence: %w", s.Name, err)
		}
	}
	if cur, _, err = e.fetch(ctx, s.Name); err != nil {
		return err
	}
	if pending(cur) {
		return nil
	}
	e.log.Warn("reshard finished elsewhere while fencing; restoring the subjects the definition calls for", "stream", s.Name, "generation", r.Generation)
	for g := range cur.parts() {
		want := openSubjects(cur, g)
		if cur.Status == StatusUpdating && cur.Pending != nil {
			want = fencedSubjects(cur, cur.Pending, g)
		}
		if err := e.setSubjects(ctx, s.Name, g, want); err != nil {
			return fmt.Errorf("reshard %s: fence: %w", s.Name, err)
		}
	}
	return e.notPending(cur, r)
}

// samePlan reports whether p is the plan r: a plan rolled back can be
// followed by another of the same generation, which r's fence and barrier
// do not cover.
func samePlan(p, r *Reshard) bool {
	if p == nil || p.Generation != r.Generation || p.Op != r.Op || !slices.Equal(p.Close, r.Close) || len(p.New) != len(r.New) {
		return false
	}
	for i, c := range p.New {
		o := r.New[i]
		if c.ID != o.ID || c.StartingHashKey != o.StartingHashKey || c.EndingHashKey != o.EndingHashKey || c.Closed != o.Closed {
			return false
		}
	}
	return true
}

// errFinishedElsewhere: the reshard being finished was committed by
// another host (or an earlier attempt) meanwhile; finishReshard succeeds.
var errFinishedElsewhere = errors.New("reshard committed elsewhere")

// notPending says why cur has no pending r: committed already
// (errFinishedElsewhere), or rolled back (ErrInUse).
func (e *Engine) notPending(cur *Stream, r *Reshard) error {
	if cur.Generation > r.Generation {
		return errFinishedElsewhere
	}
	return errorf(ErrInUse, "Stream %s under account %s has no reshard of generation %d to finish.", cur.Name, e.cfg.AccountID, r.Generation)
}

// StuckAfter is how long a stream may stay UPDATING before any host's
// maintenance loop finishes its change (the host that began it died or
// stalled midway; a reshard's fence refuses puts to the parents until it
// is finished).
const StuckAfter = 30 * time.Second

// finishStuck finishes the reshards and retention changes that have kept
// a stream UPDATING for longer than StuckAfter, as Open does after a
// crash. Another host finishing the same change at the same time is safe:
// each step can be repeated and only one commit succeeds.
func (e *Engine) finishStuck(ctx context.Context) error {
	all, err := e.streams(ctx)
	if err != nil {
		return err
	}
	var first error
	stuck := func(s *Stream) bool {
		return s.Status == StatusUpdating && !s.UpdatingSince.IsZero() && e.now().Sub(s.UpdatingSince) >= StuckAfter
	}
	for _, s := range all {
		if !stuck(s) {
			continue
		}
		// The cache may be behind: decide on the stored definition.
		if s, _, err = e.fetch(ctx, s.Name); err != nil || !stuck(s) {
			continue
		}
		e.log.Warn("finishing a change that has kept the stream UPDATING", "stream", s.Name, "since", s.UpdatingSince)
		recoverFn := e.recoverReshard
		if s.PendingRetention > 0 {
			recoverFn = e.recoverRetention
		}
		if err := recoverFn(ctx, s); err != nil && !errors.Is(err, ErrInUse) && first == nil {
			first = fmt.Errorf("finish %s: %w", s.Name, err)
		}
	}
	return first
}
