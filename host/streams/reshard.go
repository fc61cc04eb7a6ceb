package streams

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Reshard phases, passed to the test hook between the steps of a reshard.
const (
	// phasePending: the plan is recorded and the stream is UPDATING.
	phasePending = "pending"
	// phaseFenced: the parents' subjects are gone from the JetStream
	// stream; the barrier is next.
	phaseFenced = "fenced"
	// phaseSwitching: the barrier is stored and the commit is about to be
	// written.
	phaseSwitching = "switching"
)

// SplitShard splits an open shard in two at newStartingHashKey: the first
// child takes [start, newStartingHashKey-1], the second
// [newStartingHashKey, end]. As on AWS the key must be greater than
// start+1 and less than end, so each child has at least two hash keys. It
// returns once the stream is ACTIVE again.
func (e *Engine) SplitShard(ctx context.Context, name, shardID, newStartingHashKey string) error {
	at, err := ParseHashKey(newStartingHashKey)
	if err != nil {
		return err
	}
	return e.reshard(ctx, name, func(s *Stream) (*Reshard, error) {
		p := newPlanner(s, OpSplitShard)
		i, err := e.openShard(s, p, shardID, "shardToSplit")
		if err != nil {
			return nil, err
		}
		sh := p.open[i]
		startPlusOne := fromBig(new(big.Int).Add(hashStart(sh).big(), big.NewInt(1)))
		if at.Cmp(startPlusOne) <= 0 || at.Cmp(hashEnd(sh)) >= 0 {
			return nil, errorf(ErrInvalidArgument, "NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
				newStartingHashKey, shardID, name, e.cfg.AccountID, sh.StartingHashKey, sh.EndingHashKey)
		}
		if len(p.open)+1 > e.cfg.MaxShards {
			return nil, e.shardLimit()
		}
		p.split(i, at)
		return &p.r, nil
	})
}

// MergeShards merges two open shards with adjacent hash ranges into one
// child whose ParentShardId is shardID and AdjacentParentShardId
// adjacentID. As on AWS, shardID must be the lower of the two: its
// EndingHashKey plus one is adjacentID's StartingHashKey.
func (e *Engine) MergeShards(ctx context.Context, name, shardID, adjacentID string) error {
	return e.reshard(ctx, name, func(s *Stream) (*Reshard, error) {
		p := newPlanner(s, OpMergeShards)
		i, err := e.openShard(s, p, shardID, "shardToMerge")
		if err != nil {
			return nil, err
		}
		j, err := e.openShard(s, p, adjacentID, "adjacentShardToMerge")
		if err != nil {
			return nil, err
		}
		if j != i+1 {
			return nil, errorf(ErrInvalidArgument, "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging", shardID, adjacentID, name, e.cfg.AccountID)
		}
		p.merge(i, shardID)
		return &p.r, nil
	})
}

// UpdateShardCount rescales the open shards to target shards of equal
// hash ranges (UNIFORM_SCALING), by splits and merges as AWS does it. The
// target must lie between half and double the open shard count.
func (e *Engine) UpdateShardCount(ctx context.Context, name string, target int) error {
	return e.updateShardCount(ctx, name, target, nil)
}

// updateShardCount is UpdateShardCount; guard, when set, checks the
// definition the reshard plans on first (on-demand scaling's cool-down).
func (e *Engine) updateShardCount(ctx context.Context, name string, target int, guard func(*Stream) error) error {
	if err := validateRange("targetShardCount", target, 1, 100000); err != nil {
		return err
	}
	return e.reshard(ctx, name, func(s *Stream) (*Reshard, error) {
		if guard != nil {
			if err := guard(s); err != nil {
				return nil, err
			}
		}
		n := s.OpenShards()
		if target > 2*n || 2*target < n {
			return nil, errorf(ErrInvalidArgument, "UpdateShardCount target %d for stream %s under account %s must be between half (%d) and double (%d) the current open shard count %d.",
				target, name, e.cfg.AccountID, (n+1)/2, 2*n, n)
		}
		if target > e.cfg.MaxShards {
			return nil, e.shardLimit()
		}
		p := newPlanner(s, OpUpdateShardCount)
		p.uniform(target)
		if len(p.r.Close) == 0 {
			return nil, errorf(ErrInvalidArgument, "Stream %s under account %s already has %d shards of equal hash ranges.", name, e.cfg.AccountID, target)
		}
		return &p.r, nil
	})
}

func (e *Engine) shardLimit() error {
	return errorf(ErrLimitExceeded, "This request would exceed the shard limit of %d shards per stream.", e.cfg.MaxShards)
}

// openShard finds an open shard for a reshard plan.
func (e *Engine) openShard(s *Stream, p *planner, id, field string) (int, error) {
	if err := validateShardField(id, field); err != nil {
		return 0, err
	}
	if _, ok := s.Shard(id); !ok {
		return 0, e.shardNotFound(s.Name, id)
	}
	i := p.index(id)
	if i < 0 {
		return 0, errorf(ErrInvalidArgument, "Shard %s in stream %s under account %s is closed and cannot be resharded.", id, s.Name, e.cfg.AccountID)
	}
	return i, nil
}

// requireActive refuses to change a mirror (read-only) or a stream that
// is not ACTIVE: one being created or deleted is not found, one
// resharding is in use.
func (e *Engine) requireActive(s *Stream) error {
	if s.Mirror != nil {
		return e.readOnly(s)
	}
	return e.requireActiveStatus(s)
}

// requireActiveStatus is requireActive for a change a mirror takes too
// (its retention is its own).
func (e *Engine) requireActiveStatus(s *Stream) error {
	switch s.Status {
	case StatusCreating, StatusDeleting:
		return e.notFound(s.Name)
	case StatusUpdating:
		return errorf(ErrInUse, "Stream %s under account %s is in UPDATING state; wait for it to be ACTIVE.", s.Name, e.cfg.AccountID)
	}
	return nil
}

// reshard runs a reshard in two compare-and-set updates of the definition:
//
//  1. record the plan (Pending) and set the stream UPDATING; a stream
//     already UPDATING refuses with ErrInUse;
//  2. switch (finishReshard): fence the parents off in JetStream, take
//     a barrier's sequence B and commit: parents close at B, children
//     open at B+1, the generation grows, the stream is ACTIVE again.
//
// A crash between the two, or during 2, leaves an UPDATING stream with
// its plan, which Open finishes (and every step of 2 can be repeated). No
// lock of this process is involved: the fence holds for every host's puts.
func (e *Engine) reshard(ctx context.Context, name string, plan func(*Stream) (*Reshard, error)) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	_, err := e.update(ctx, name, func(s *Stream) error {
		if err := e.requireActive(s); err != nil {
			return err
		}
		r, err := plan(s)
		if err != nil {
			return err
		}
		s.Status, s.Pending, s.UpdatingSince = StatusUpdating, r, e.now().UTC()
		return nil
	})
	if err != nil {
		return err
	}
	e.testHook(phasePending)
	return e.finishReshard(ctx, name)
}

// finishReshard switches the pending reshard of an UPDATING stream (see
// fence.go): it sets the JetStream stream's subjects to the fenced set
// (parents refused from now on, on every host), publishes a barrier
// whose sequence B is above every parent record, and commits at B with
// compare-and-set on the plan's generation. Every step can be repeated,
// by this host after a crash or by another at the same time: only one
// commit of a generation succeeds, and any barrier taken after the fence
// is a correct end for the parents.
func (e *Engine) finishReshard(ctx context.Context, name string) error {
	s, _, err := e.fetch(ctx, name)
	if err != nil {
		return err
	}
	r := s.Pending
	if s.Status != StatusUpdating || r == nil || r.Generation != s.Generation {
		return errorf(ErrInUse, "Stream %s under account %s has no reshard of generation %d to finish.", name, e.cfg.AccountID, s.Generation)
	}
	if err := e.fence(ctx, s, r); err != nil {
		if errors.Is(err, errFinishedElsewhere) {
			return nil
		}
		return err
	}
	e.testHook(phaseFenced)
	// One barrier per part (one in all, unless the stream is grouped):
	// each part's parents end at its barrier, its children start above.
	last := make([]uint64, s.parts())
	for g := range last {
		if last[g], err = e.barrier(ctx, name, g); err != nil {
			return err
		}
	}
	e.testHook(phaseSwitching)
	now := e.now().UTC()
	committed, err := e.update(ctx, name, func(s *Stream) error {
		if s.Status != StatusUpdating || !samePlan(s.Pending, r) {
			return e.notPending(s, r)
		}
		return commitReshard(s, s.Pending, last, now)
	})
	if errors.Is(err, errFinishedElsewhere) {
		return nil
	}
	if err != nil {
		return err
	}
	e.log.Info("reshard committed", "stream", name, "generation", committed.Generation, "open_shards", committed.OpenShards(), "at_sequence", last)
	if bad, err := e.strays(ctx, committed); err != nil {
		e.log.Warn("checking closed shards after a reshard", "stream", name, "err", err)
	} else if len(bad) > 0 {
		e.strayShards.Add(int64(len(bad)))
		e.log.Error("records stored on closed shards past their end", "stream", name, "shards", bad, "at_sequence", last)
	}
	return nil
}

// commitReshard applies r to s at last[g], the barrier's sequence in
// each part g.
func commitReshard(s *Stream, r *Reshard, last []uint64, now time.Time) error {
	if len(last) != s.parts() {
		return fmt.Errorf("reshard %s: %d barriers for %d parts", s.Name, len(last), s.parts())
	}
	for _, id := range r.Close {
		i := shardIndex(s, id)
		if i < 0 || !s.Shards[i].Open() {
			return fmt.Errorf("reshard %s: parent %s is not an open shard", s.Name, id)
		}
		s.Shards[i].Closed, s.Shards[i].EndingSequence, s.Shards[i].ClosedAt = true, last[s.partOf(id)], now
	}
	next := s.nextShardIndex()
	for i, c := range r.New {
		if c.ID != ShardID(next+i) {
			return fmt.Errorf("reshard %s: child %s out of order", s.Name, c.ID)
		}
		at := last[s.partOf(c.ID)]
		c.StartingSequence, c.CreatedAt, c.Gen = at+1, now, s.Generation+1
		if c.Closed {
			c.EndingSequence, c.ClosedAt = at, now
		}
		s.Shards = append(s.Shards, c)
	}
	s.NextShard = next + len(r.New)
	s.Status, s.Pending, s.LastReshard, s.UpdatingSince = StatusActive, nil, now, time.Time{}
	s.Generation++
	pruneExpired(s, now)
	return nil
}

// validPending reports whether a recorded plan still fits the definition
// (its parents open, its children next in line); recovery rolls back one
// that does not.
func validPending(s *Stream) bool {
	r := s.Pending
	if r == nil || r.Generation != s.Generation {
		return false
	}
	for _, id := range r.Close {
		if i := shardIndex(s, id); i < 0 || !s.Shards[i].Open() {
			return false
		}
	}
	next := s.nextShardIndex()
	for i, c := range r.New {
		if c.ID != ShardID(next+i) {
			return false
		}
	}
	return true
}

// recoverReshard finishes (or, if its plan no longer fits, rolls back) the
// reshard of a stream found UPDATING. A rollback gives the JetStream
// stream back the subjects of the open shards, in case the fence was set.
func (e *Engine) recoverReshard(ctx context.Context, s *Stream) error {
	if validPending(s) {
		e.log.Info("finishing interrupted reshard", "stream", s.Name, "op", s.Pending.Op)
		return e.finishReshard(ctx, s.Name)
	}
	e.log.Warn("rolling back interrupted reshard", "stream", s.Name)
	for g := range s.parts() {
		err := e.updateJetStream(ctx, s.Name, g, func(cfg *jetstream.StreamConfig) bool {
			if g == 0 && slices.Equal(cfg.Subjects, wildcardSubjects(s.Name)) || slices.Equal(cfg.Subjects, openSubjects(s, g)) {
				return false // never fenced, or already restored
			}
			cfg.Subjects = openSubjects(s, g)
			return true
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("roll back reshard %s: %w", s.Name, err)
		}
	}
	_, err := e.update(ctx, s.Name, func(s *Stream) error {
		if s.Status == StatusUpdating && s.PendingRetention == 0 {
			s.Status, s.Pending, s.UpdatingSince = StatusActive, nil, time.Time{}
		}
		return nil
	})
	return err
}

func shardIndex(s *Stream, id string) int {
	for i, sh := range s.Shards {
		if sh.ID == id {
			return i
		}
	}
	return -1
}

func (e *Engine) testHook(phase string) {
	if e.hook != nil {
		e.hook(phase)
	}
}
