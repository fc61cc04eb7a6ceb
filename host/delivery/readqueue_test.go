package delivery

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// The queue holds records up to its size in bytes, not a count: a reader
// with more waits until the loop takes some.
func TestReadQueueBoundedInBytes(t *testing.T) {
	const max = 4 << 20
	q := newReadQueue(max)
	big := record{data: make([]byte, 1<<20)}
	pushed := make(chan int, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for i := range 10 {
			if q.push(ctx, big) != nil {
				return
			}
			pushed <- i
		}
	}()
	for range 3 { // three weigh just over 3 MiB: a fourth does not fit
		<-pushed
	}
	select {
	case i := <-pushed:
		t.Fatalf("record %d queued past %d bytes", i, max)
	case <-time.After(200 * time.Millisecond):
	}
	r := <-q.c
	q.taken(&r)
	<-pushed // room again for one
	// A record larger than the whole queue still goes through, alone.
	q2 := newReadQueue(1 << 20)
	if err := q2.push(ctx, record{data: make([]byte, 3<<20)}); err != nil {
		t.Fatal(err)
	}
}

// A delivery stream whose destination is down holds a bounded number of
// bytes of its source in memory, not a number of records: 200 records of
// 1,000 KiB waiting (200 MB) leave the heap tens of MB larger, not
// hundreds. (Before, read-ahead was 1,024 records.)
func TestReadAheadMemoryBounded(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	def := folderDef("big", out)
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(1)}
	e.create(def)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	// Running, with its destination open, before the destination goes.
	e.waitCheckpoint("big", lastID(t, e.put("big", [][]byte{[]byte("first")})))
	unblock := block(t, out)
	before := heap()
	rec := make([]byte, MaxRecordBytes)
	var ids []string
	for range 200 / 4 {
		ids = append(ids, e.put("big", [][]byte{rec, rec, rec, rec})...)
	}
	e.waitState("big", StatusRetrying) // reading, and stuck writing
	// Give the reader time to fill whatever it may hold.
	time.Sleep(2 * time.Second)
	grew := int64(heap()) - int64(before)
	t.Logf("heap grew %d MB with 200 MB of records waiting", grew>>20)
	if grew > 100<<20 {
		t.Fatalf("heap grew %d MB with the destination down: read-ahead is not bounded in bytes", grew>>20)
	}
	unblock()
	// 200 MB to deliver after the retries' backoff: minutes under -race
	// on a loaded machine.
	last := lastID(t, ids)
	waitWithin(t, 10*time.Minute, fmt.Sprintf("big to deliver up to %d", last), func() bool {
		_, st, err := e.m.Describe(context.Background(), "big")
		return err == nil && st.Checkpoint >= last
	})
}
