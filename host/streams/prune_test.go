package streams

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

func shardIDs(s *Stream) []string {
	var ids []string
	for _, sh := range s.Shards {
		ids = append(ids, sh.ID)
	}
	return ids
}

func TestPruneShardsPastRetention(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	srv := jstest.Start(t, "")
	e, err := Open(ctx, srv.Conn, Config{Now: clk.Now, ScaleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	putN(t, e, "s", 10)
	// 0 splits into 2 and 3, which merge into 4: 0, 2 and 3 close now.
	if err := e.SplitShard(ctx, "s", ShardID(0), "1000"); err != nil {
		t.Fatal(err)
	}
	if err := e.MergeShards(ctx, "s", ShardID(2), ShardID(3)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(DefaultRetentionHours*time.Hour - time.Minute)
	if err := e.PruneShards(ctx); err != nil {
		t.Fatal(err)
	}
	s, _ := e.DescribeStream(ctx, "s")
	if got := shardIDs(s); len(got) != 5 {
		t.Fatalf("within retention: shards %v, want all 5", got)
	}

	clk.Advance(2 * time.Minute)
	if err := e.PruneShards(ctx); err != nil {
		t.Fatal(err)
	}
	s, _ = e.DescribeStream(ctx, "s")
	checkLineage(t, s)
	if got, want := shardIDs(s), []string{ShardID(1), ShardID(4)}; !slices.Equal(got, want) {
		t.Fatalf("past retention: shards %v, want %v", got, want)
	}
	// As on AWS, the child still names its parents, which are gone.
	if c, _ := s.Shard(ShardID(4)); c.ParentShardID != ShardID(2) || c.AdjacentParentShardID != ShardID(3) {
		t.Fatalf("child lineage %+v", c)
	}
	if _, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: TrimHorizon}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("iterator on a pruned shard: %v, want not found", err)
	}
	// Ids are never given out twice.
	if err := e.SplitShard(ctx, "s", ShardID(1), fromBig(new(bigInt).Add(SplitHashRange(2)[1].Start.big(), bigTwo)).String()); err != nil {
		t.Fatal(err)
	}
	s, _ = e.DescribeStream(ctx, "s")
	checkLineage(t, s)
	if got, want := shardIDs(s), []string{ShardID(1), ShardID(4), ShardID(5), ShardID(6)}; !slices.Equal(got, want) {
		t.Fatalf("after a split: shards %v, want %v", got, want)
	}
	putN(t, e, "s", 10)

	// A reshard prunes what expired, without waiting for the loop.
	clk.Advance(DefaultRetentionHours*time.Hour + time.Minute)
	if err := e.MergeShards(ctx, "s", ShardID(4), ShardID(5)); err != nil {
		t.Fatal(err)
	}
	s, _ = e.DescribeStream(ctx, "s")
	checkLineage(t, s)
	if got, want := shardIDs(s), []string{ShardID(4), ShardID(5), ShardID(6), ShardID(7)}; !slices.Equal(got, want) {
		t.Fatalf("after a merge past retention: shards %v, want %v", got, want)
	}
}

func TestBackgroundLoopPrunes(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	srv := jstest.Start(t, "")
	e, err := Open(ctx, srv.Conn, Config{Now: clk.Now, ScaleInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	if err := e.SplitShard(ctx, "s", ShardID(0), "1000"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(DefaultRetentionHours*time.Hour + time.Minute)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		s, err := e.DescribeStream(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Shards) == 2 && s.Shards[0].ID == ShardID(1) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not pruned: %v", shardIDs(s))
		}
	}
}
