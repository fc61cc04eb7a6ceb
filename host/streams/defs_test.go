package streams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
)

// countDefinitionReads counts the requests that read a stream definition
// from the KV bucket (direct gets and message gets of its stream).
func countDefinitionReads(t *testing.T, srv *jstest.Server) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	for _, subj := range []string{"$JS.API.DIRECT.GET.KV_" + kvBucket + ".>", "$JS.API.DIRECT.GET.KV_" + kvBucket, "$JS.API.STREAM.MSG.GET.KV_" + kvBucket} {
		sub, err := srv.Conn.Subscribe(subj, func(*nats.Msg) { n.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	if err := srv.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	return &n
}

func TestPutsAndReadsDoNotFetchTheDefinition(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 4); err != nil {
		t.Fatal(err)
	}
	reads := countDefinitionReads(t, srv)
	// The probe sees a definition read.
	if _, _, err := e.fetch(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); reads.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the probe does not see definition reads")
		}
	}
	reads.Store(0)
	putN(t, e, "s", 50)
	recs := make([]Record, 20)
	for i := range recs {
		recs[i] = Record{Data: []byte("x"), PartitionKey: fmt.Sprint(i)}
	}
	if _, err := e.PutRecords(ctx, "s", recs); err != nil {
		t.Fatal(err)
	}
	tok, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetRecords(ctx, tok, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DescribeStream(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	_ = srv.Conn.Flush()
	if n := reads.Load(); n != 0 {
		t.Fatalf("51 puts, one read and one describe fetched the definition %d times, want 0", n)
	}
}

func TestDefinitionCacheNeverGoesBack(t *testing.T) {
	c := defCache{entries: map[string]*definition{}, synced: true}
	v := func(rev uint64) *Stream { return &Stream{Name: "s", Generation: rev} }
	gen := func() int64 {
		d, ok := c.lookup("s")
		switch {
		case !ok:
			return -1
		case d.s == nil:
			return -2
		}
		return int64(d.s.Generation)
	}
	steps := []struct {
		do   func()
		want int64
	}{
		{func() { c.offer("s", 5, v(5)) }, 5},
		{func() { c.watched("s", 3, v(3)) }, 5}, // the watcher is behind
		{func() { c.offer("s", 4, v(4)) }, 5},   // a slow reader's older fetch
		{func() { c.watched("s", 5, v(5)) }, 5},
		{func() { c.watched("s", 7, v(7)) }, 7}, // another host's write
		{func() { c.forget("s", 7) }, -2},       // deleted here
		{func() { c.watched("s", 7, v(7)) }, -2},
		{func() { c.offer("s", 6, v(6)) }, -2},
		{func() { c.watched("s", 8, nil) }, -1}, // the watcher sees the delete
		{func() { c.offer("s", 8, v(8)) }, -1},  // the watcher has gone past 8
		{func() { c.offer("s", 9, v(9)) }, 9},   // created again
		{func() { c.setSynced(false) }, -1},
	}
	for i, st := range steps {
		st.do()
		if got := gen(); got != st.want {
			t.Fatalf("step %d: generation %d, want %d", i, got, st.want)
		}
	}
}

// TestCacheFollowsAnotherEngine runs two engines on one JetStream, as two
// hosts sharing it would: what one writes, the other's cache takes from
// the KV watcher.
func TestCacheFollowsAnotherEngine(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	a, b := openEngine(t, srv), openEngine(t, srv)
	if err := a.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("engine b never saw %s", what)
			}
		}
	}
	putB := func() (PutResult, error) {
		return b.PutRecord(ctx, "s", Record{Data: []byte("x"), PartitionKey: "k"}, "")
	}
	if r, err := putB(); err != nil || r.ShardID != ShardID(0) {
		t.Fatalf("put through b: %+v, %v", r, err)
	}
	if err := a.SplitShard(ctx, "s", ShardID(0), "1000"); err != nil {
		t.Fatal(err)
	}
	eventually("the split", func() bool { r, err := putB(); return err == nil && r.ShardID != ShardID(0) })
	if err := a.DeleteStream(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	eventually("the delete", func() bool {
		_, err := putB()
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Logf("put to a stream deleted by another engine: %v", err)
		}
		return errors.Is(err, ErrNotFound)
	})
	if err := a.CreateStream(ctx, "s", 3); err != nil {
		t.Fatal(err)
	}
	eventually("the new stream", func() bool { s, err := b.DescribeStream(ctx, "s"); return err == nil && len(s.Shards) == 3 })
	if _, err := putB(); err != nil {
		t.Fatal(err)
	}
}

// TestPutsNeverLandInClosedShards puts without pause while the stream is
// resharded again and again, then reads every stored message: none may
// sit on a closed shard's subject beyond the shard's EndingSequence (a
// put routed by a definition from before the reshard's switch would), and
// every acknowledged record is on the shard its answer named.
func TestPutsNeverLandInClosedShards(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[uint64]string{} // sequence -> shard answered
	for p := range 4 {
		wg.Go(func() {
			recs := make([]Record, 10)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				for j := range recs {
					recs[j] = Record{Data: []byte("x"), PartitionKey: fmt.Sprintf("p%d-%d-%d", p, i, j)}
				}
				res, err := e.PutRecords(ctx, "s", recs)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, r := range res {
					if r.Err == nil {
						seq, _ := ParseSequence("seq", r.SequenceNumber)
						acked[seq] = r.ShardID
					}
				}
				mu.Unlock()
			}
		})
	}
	for _, n := range []int{4, 3, 6, 3, 2, 4} {
		time.Sleep(20 * time.Millisecond)
		if err := e.UpdateShardCount(ctx, "s", n); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()

	s, err := e.DescribeStream(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	st, err := srv.JS.Stream(ctx, jsName("s"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	bySubject := map[string]Shard{}
	for _, sh := range s.Shards {
		bySubject[shardSubject("s", sh.ID)] = sh
	}
	for read := uint64(0); read < info.State.Msgs; {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			read++
			meta, _ := m.Metadata()
			if IsBarrier(m.Subject()) {
				continue // a reshard's barrier: no record
			}
			sh, ok := bySubject[m.Subject()]
			if !ok {
				t.Fatalf("message %d on unknown subject %s", meta.Sequence.Stream, m.Subject())
			}
			if !sh.Open() && meta.Sequence.Stream > sh.EndingSequence {
				t.Fatalf("message %d stored on %s after it closed at %d", meta.Sequence.Stream, sh.ID, sh.EndingSequence)
			}
			if want, ok := acked[meta.Sequence.Stream]; ok && want != sh.ID {
				t.Fatalf("message %d answered as %s, stored on %s", meta.Sequence.Stream, want, sh.ID)
			}
		}
		if batch.Error() != nil {
			t.Fatal(batch.Error())
		}
	}
	if len(acked) == 0 {
		t.Fatal("nothing was put")
	}
	t.Logf("%d records put across %d reshards", len(acked), s.Generation)
}
