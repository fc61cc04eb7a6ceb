package streams

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

func TestReadBudgetFirstComeFirstServed(t *testing.T) {
	ctx := context.Background()
	b := newReadBudget(2*readGrantMax + readGrantMin - 1)
	b.wait = time.Minute
	g1, g2 := b.take(ctx, readGrantSlack), b.take(ctx, readGrantSlack)
	if g1 == nil || g2 == nil || g1.n != readGrantMax || g2.n != readGrantMax {
		t.Fatalf("full grants: %v %v", g1, g2)
	}
	// Less than the least grant is left: the next reads wait, in order.
	got := make(chan int, 2)
	for i := range 2 {
		go func() {
			g := b.take(ctx, readGrantSlack)
			got <- i
			<-time.After(10 * time.Millisecond)
			g.release()
		}()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			b.mu.Lock()
			n := len(b.waiting)
			b.mu.Unlock()
			if n == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("reader does not wait")
			}
		}
	}
	select {
	case i := <-got:
		t.Fatalf("reader %d got a grant with the budget taken", i)
	case <-time.After(20 * time.Millisecond):
	}
	g1.release()
	g1.release() // twice is once
	if first, second := <-got, <-got; first != 0 || second != 1 {
		t.Fatalf("grants in order %d, %d", first, second)
	}
	g2.release()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		used := b.used
		b.mu.Unlock()
		if used == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still taken after every release", used)
		}
	}

	// A reader that waits too long gets nothing and leaves nothing taken.
	b.wait = 20 * time.Millisecond
	g1, g2 = b.take(ctx, readGrantSlack), b.take(ctx, readGrantSlack)
	if g := b.take(ctx, readGrantSlack); g != nil {
		t.Fatalf("grant %d past the budget", g.n)
	}
	g1.release()
	g2.release()
	if b.used != 0 || len(b.waiting) != 0 {
		t.Fatalf("used %d, %d waiting", b.used, len(b.waiting))
	}
}

// TestReadsWithinASmallBudget reads 1 MiB records with a budget of the
// least size: every read answers at least one record, a read waiting for
// the budget is throttled once the wait runs out, and a released answer
// gives its bytes back.
func TestReadsWithinASmallBudget(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e, err := Open(ctx, srv.Conn, Config{MaxReadBytes: readGrantMin, ScaleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	e.reads.wait = 50 * time.Millisecond
	if err := e.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), MaxRecordData)
	for range 4 {
		if _, err := e.PutRecord(ctx, "s", Record{Data: big, PartitionKey: "k"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.GetRecords(ctx, tok, 100)
	if err != nil || len(res.Records) == 0 {
		t.Fatalf("first read: %v, %v", res, err)
	}
	// The first answer holds the budget: the next read is throttled.
	if _, err := e.GetRecords(ctx, res.NextIterator, 100); !errors.Is(err, ErrThroughput) {
		t.Fatalf("read past the budget: %v, want ErrThroughput", err)
	}
	read := len(res.Records)
	for read < 4 {
		next := res.NextIterator
		res.Release()
		if res, err = e.GetRecords(ctx, next, 100); err != nil || len(res.Records) == 0 {
			t.Fatalf("read after release: %v, %v", res, err)
		}
		read += len(res.Records)
	}
	res.Release()
	if read != 4 {
		t.Fatalf("read %d records, want 4", read)
	}
}
