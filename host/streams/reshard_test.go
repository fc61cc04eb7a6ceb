package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

func putN(t *testing.T, e *Engine, name string, n int) {
	t.Helper()
	for i := range n {
		if _, err := e.PutRecord(context.Background(), name, Record{Data: fmt.Appendf(nil, "%d", i), PartitionKey: fmt.Sprintf("k%d", i)}, ""); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
}

// checkLineage checks a definition's invariants: ids in order (without
// gaps unless closed shards were pruned), the open shards tile the key
// space, every closed shard ends before its children start, every child's
// parents are closed (or pruned).
func checkLineage(t *testing.T, s *Stream) {
	t.Helper()
	if s.Status != StatusActive || s.Pending != nil {
		t.Fatalf("stream %s: status %s, pending %+v", s.Name, s.Status, s.Pending)
	}
	pruned := len(s.Shards) < s.nextShardIndex()
	var open []Shard
	for i, sh := range s.Shards {
		if !pruned && sh.ID != ShardID(i) || i > 0 && sh.ID <= s.Shards[i-1].ID || sh.ID >= ShardID(s.nextShardIndex()) {
			t.Fatalf("shard %d has id %s (next id %d)", i, sh.ID, s.nextShardIndex())
		}
		if sh.Open() {
			open = append(open, sh)
		}
		for _, pid := range []string{sh.ParentShardID, sh.AdjacentParentShardID} {
			if pid == "" {
				continue
			}
			p, ok := s.Shard(pid)
			if !ok && pruned && pid < sh.ID {
				continue
			}
			// Compared as Kinesis sequence numbers: a grouped stream's
			// parts count on their own (groups.go).
			if !ok || p.Open() || s.SequenceNumber(p, p.EndingSequence) >= s.SequenceNumber(sh, sh.StartingSequence) {
				t.Fatalf("shard %s: parent %s is %+v", sh.ID, pid, p)
			}
		}
	}
	p := newPlanner(s, "")
	want := HashKey{}
	for i, sh := range p.open {
		if hashStart(sh) != want {
			t.Fatalf("open shard %s starts at %s, want %s", sh.ID, sh.StartingHashKey, want)
		}
		if i == len(p.open)-1 {
			if hashEnd(sh) != MaxHashKey {
				t.Fatalf("last open shard %s ends at %s", sh.ID, sh.EndingHashKey)
			}
			break
		}
		want = fromBig(new(bigInt).Add(hashEnd(sh).big(), bigOne))
	}
	if len(open) != len(p.open) {
		t.Fatal("planner lost open shards")
	}
}

func TestCrashDuringReshard(t *testing.T) {
	for _, phase := range []string{phasePending, phaseFenced, phaseSwitching} {
		t.Run(phase, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			srv := jstest.Start(t, dir)
			e := openEngine(t, srv)
			if err := e.CreateStream(ctx, "s", 2); err != nil {
				t.Fatal(err)
			}
			putN(t, e, "s", 20)
			e.hook = func(p string) {
				if p == phase {
					srv.Stop() // the host dies here
				}
			}
			if err := e.UpdateShardCount(ctx, "s", 3); err == nil {
				t.Fatal("reshard succeeded with JetStream stopped")
			}

			srv = jstest.Start(t, dir)
			e = openEngine(t, srv)
			s, err := e.DescribeStream(ctx, "s")
			if err != nil {
				t.Fatal(err)
			}
			checkLineage(t, s)
			// 2 → 3: split both parents at the new boundaries, merge the
			// two middle pieces: 5 new shards, one of them closed at birth.
			if s.OpenShards() != 3 || len(s.Shards) != 7 || s.Generation != 1 {
				t.Fatalf("after recovery: %d open of %d, generation %d", s.OpenShards(), len(s.Shards), s.Generation)
			}
			// The parents close at a barrier after their 20 records (one
			// per attempt at the switch), the children open after it.
			end := s.Shards[0].EndingSequence
			if end <= 20 || end > 22 || s.Shards[1].EndingSequence != end || s.Shards[6].StartingSequence != end+1 {
				t.Fatalf("closed at %d and %d, children start at %d; want 21 or 22, and one more", end, s.Shards[1].EndingSequence, s.Shards[6].StartingSequence)
			}
			putN(t, e, "s", 5)
			if err := e.MergeShards(ctx, "s", ShardID(2), ShardID(6)); err != nil {
				t.Fatalf("reshard after recovery: %v", err)
			}
		})
	}
}

func TestOpenRollsBackReshardThatNoLongerFits(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.update(ctx, "s", func(s *Stream) error {
		s.Status = StatusUpdating
		s.Pending = &Reshard{Op: OpMergeShards, Close: []string{ShardID(0), ShardID(7)}, New: []Shard{{ID: ShardID(2)}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e2 := openEngine(t, srv)
	s, err := e2.DescribeStream(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	checkLineage(t, s)
	if len(s.Shards) != 2 || s.Generation != 0 {
		t.Fatalf("rolled back to %d shards, generation %d", len(s.Shards), s.Generation)
	}
}

func TestReshardRefusedWhileUpdating(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	var during []error
	var status Status
	e.hook = func(p string) {
		if p != phasePending {
			return
		}
		s, _ := e.DescribeStream(ctx, "s")
		status = s.Status
		during = append(during,
			e.MergeShards(ctx, "s", ShardID(0), ShardID(1)),
			e.SplitShard(ctx, "s", ShardID(1), MaxHashKey.String()),
			e.UpdateShardCount(ctx, "s", 4))
		// Puts go on while UPDATING, to the parents.
		if r, err := e.PutRecord(ctx, "s", Record{Data: []byte("x"), PartitionKey: "k"}, ""); err != nil || (r.ShardID != ShardID(0) && r.ShardID != ShardID(1)) {
			during = append(during, fmt.Errorf("put while updating: %+v, %v", r, err))
		}
	}
	if err := e.SplitShard(ctx, "s", ShardID(0), "1000"); err != nil {
		t.Fatal(err)
	}
	if status != StatusUpdating {
		t.Errorf("status during reshard %s", status)
	}
	for i, err := range during {
		if !errors.Is(err, ErrInUse) {
			t.Errorf("operation %d during UPDATING: %v, want ErrInUse", i, err)
		}
	}
	s, _ := e.DescribeStream(ctx, "s")
	checkLineage(t, s)
}

func TestReshardArguments(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 4); err != nil {
		t.Fatal(err)
	}
	r1 := SplitHashRange(4)[1]
	start1 := r1.Start.String()
	plus := func(k HashKey, n int64) string { return fromBig(new(big.Int).Add(k.big(), big.NewInt(n))).String() }
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"split at the shard's start", func() error { return e.SplitShard(ctx, "s", ShardID(1), start1) }, ErrInvalidArgument},
		// AWS's rule: greater than StartingHashKey+1, less than EndingHashKey.
		{"split at start+1", func() error { return e.SplitShard(ctx, "s", ShardID(1), plus(r1.Start, 1)) }, ErrInvalidArgument},
		{"split at the shard's end", func() error { return e.SplitShard(ctx, "s", ShardID(1), r1.End.String()) }, ErrInvalidArgument},
		{"merge in the wrong order", func() error { return e.MergeShards(ctx, "s", ShardID(1), ShardID(0)) }, ErrInvalidArgument},
		{"split beyond the shard", func() error { return e.SplitShard(ctx, "s", ShardID(0), start1) }, ErrInvalidArgument},
		{"split a bad key", func() error { return e.SplitShard(ctx, "s", ShardID(0), "-1") }, ErrInvalidArgument},
		{"split a missing shard", func() error { return e.SplitShard(ctx, "s", ShardID(9), "1") }, ErrNotFound},
		{"split a missing stream", func() error { return e.SplitShard(ctx, "none", ShardID(0), "1") }, ErrNotFound},
		{"merge non-adjacent", func() error { return e.MergeShards(ctx, "s", ShardID(0), ShardID(2)) }, ErrInvalidArgument},
		{"merge with itself", func() error { return e.MergeShards(ctx, "s", ShardID(0), ShardID(0)) }, ErrInvalidArgument},
		{"scale above double", func() error { return e.UpdateShardCount(ctx, "s", 9) }, ErrInvalidArgument},
		{"scale below half", func() error { return e.UpdateShardCount(ctx, "s", 1) }, ErrInvalidArgument},
		{"scale to the same", func() error { return e.UpdateShardCount(ctx, "s", 4) }, ErrInvalidArgument},
		{"scale to zero", func() error { return e.UpdateShardCount(ctx, "s", 0) }, ErrValidation},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// A merge closes both parents; merging a closed shard is refused.
	if err := e.MergeShards(ctx, "s", ShardID(0), ShardID(1)); err != nil {
		t.Fatal(err)
	}
	s, _ := e.DescribeStream(ctx, "s")
	checkLineage(t, s)
	if c := s.Shards[4]; c.ParentShardID != ShardID(0) || c.AdjacentParentShardID != ShardID(1) || c.StartingHashKey != "0" || c.EndingHashKey != SplitHashRange(4)[1].End.String() {
		t.Fatalf("merged child %+v", c)
	}
	if err := e.MergeShards(ctx, "s", ShardID(1), ShardID(2)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("merge a closed shard: %v", err)
	}
}

// TestUniformPlans checks UpdateShardCount plans from uniform and uneven
// starting points: the open ranges end uniform, and no child has more than
// two parents (the lineage AWS can express).
func TestUniformPlans(t *testing.T) {
	for _, tc := range []struct{ from, to int }{{1, 2}, {2, 4}, {3, 6}, {4, 2}, {8, 4}, {8, 5}, {7, 4}, {3, 2}, {5, 9}, {6, 3}} {
		s := &Stream{Name: "p", Status: StatusActive}
		for i, r := range SplitHashRange(tc.from) {
			s.Shards = append(s.Shards, Shard{ID: ShardID(i), StartingHashKey: r.Start.String(), EndingHashKey: r.End.String(), StartingSequence: 1})
		}
		p := newPlanner(s, OpUpdateShardCount)
		p.uniform(tc.to)
		if err := commitReshard(s, &p.r, []uint64{10}, testTime); err != nil {
			t.Fatalf("%d→%d: %v", tc.from, tc.to, err)
		}
		checkLineage(t, s)
		var got []string
		for _, sh := range newPlanner(s, "").open {
			got = append(got, sh.StartingHashKey+".."+sh.EndingHashKey)
		}
		var want []string
		for _, r := range SplitHashRange(tc.to) {
			want = append(want, r.Start.String()+".."+r.End.String())
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d→%d: open ranges %v, want %v", tc.from, tc.to, got, want)
		}
		b, _ := json.Marshal(s)
		if len(b) == 0 {
			t.Fatal("definition does not marshal")
		}
	}
}

type bigInt = big.Int

var (
	bigOne   = big.NewInt(1)
	bigTwo   = big.NewInt(2)
	testTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)
