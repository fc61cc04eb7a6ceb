package streams

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func failed(res []PutResult) int {
	n := 0
	for _, r := range res {
		if r.Err != nil {
			if !errors.Is(r.Err, ErrThroughput) {
				panic(r.Err)
			}
			n++
		}
	}
	return n
}

func TestProvisionedThroughput(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	srv := jstest.Start(t, "")
	e, err := Open(ctx, srv.Conn, Config{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	for _, name := range []string{"free", "limited"} {
		if err := e.CreateStream(ctx, name, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.AddTags(ctx, "limited", map[string]string{TagThroughput: "enforce"}); err != nil {
		t.Fatal(err)
	}
	small := make([]Record, 500)
	for i := range small {
		small[i] = Record{Data: []byte("x"), PartitionKey: "k"}
	}
	put := func(name string, recs []Record) int {
		res, err := e.PutRecords(ctx, name, recs)
		if err != nil {
			t.Fatal(err)
		}
		return failed(res)
	}
	// 1,000 records a second: two batches of 500 pass, the third fails.
	for i, want := range []int{0, 0, 500} {
		if got := put("limited", small); got != want {
			t.Fatalf("limited batch %d: %d failed, want %d", i, got, want)
		}
		if got := put("free", small); got != 0 {
			t.Fatalf("free batch %d: %d failed (limits are opt-in)", i, got)
		}
	}
	if _, err := e.PutRecord(ctx, "limited", small[0], ""); !errors.Is(err, ErrThroughput) {
		t.Fatalf("single put over the limit: %v", err)
	}
	clk.Advance(time.Second)
	// 1 MiB a second: two records of 600 KB take more than a second.
	big := []Record{{Data: bytes.Repeat([]byte("b"), 600<<10), PartitionKey: "k"}, {Data: bytes.Repeat([]byte("b"), 600<<10), PartitionKey: "k"}}
	if got := put("limited", big); got != 1 {
		t.Fatalf("two 600 KB records: %d failed, want 1", got)
	}
	clk.Advance(time.Second)
	if got := put("limited", big[:1]); got != 0 {
		t.Fatalf("after a second: %d failed", got)
	}

	// Reads: 2 MiB a second out; a read that takes the bucket into debt
	// throttles the next until time pays it back.
	read := func() error {
		tok, err := e.GetShardIterator(ctx, "limited", ShardID(0), IteratorRequest{Type: TrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.GetRecords(ctx, tok, MaxGetLimit)
		return err
	}
	for i := range 3 { // 1,000 + 1.2 MB per read: the third is over
		err := read()
		if want := i == 2; errors.Is(err, ErrThroughput) != want {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	clk.Advance(2 * time.Second)
	if err := read(); err != nil {
		t.Fatalf("read after the debt is paid: %v", err)
	}
}
