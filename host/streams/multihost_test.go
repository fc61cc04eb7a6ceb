package streams

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/host/jsretry"
	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/internal/natscluster"
)

// openHost opens an engine on its own connection to srv, as a second
// Sluice host on the same JetStream would.
func openHost(t *testing.T, srv *jstest.Server, name string) *Engine {
	return openHostWith(t, srv, name, Config{})
}

// openHostWith is openHost with cfg.
func openHostWith(t *testing.T, srv *jstest.Server, name string, cfg Config) *Engine {
	t.Helper()
	nc, err := srv.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return openEngineOn(t, nc, cfg)
}

func openEngineOn(t *testing.T, nc *nats.Conn, cfg Config) *Engine {
	t.Helper()
	cfg.ScaleInterval = -1
	e, err := Open(context.Background(), nc, cfg)
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// orderedProducers put continuously through every engine in hosts, each
// producer owning keys of its own and putting each key's records in
// order, as an ordered producer (the KPL with one record in flight per
// key) does: record n of a key is put again until it is stored, then
// n+1. Records carry "key/n". stop ends them; the result is each key's
// count of stored records.
type orderedProducers struct {
	wg     sync.WaitGroup
	stop   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	stored map[string]int
	failed map[string]int // per-record failures seen, by error kind
	// retried holds, per key, the record numbers that failed at least
	// once (a timed-out record may still have been stored: at least once).
	retried map[string]map[int]bool
	// timeout bounds each PutRecords, as a producer's request timeout
	// does: a record whose acknowledgement does not come fails with a
	// throughput error and is put again.
	timeout time.Duration
}

func startProducers(t *testing.T, name string, hosts []*Engine, perHost, keysPer int, timeout time.Duration) *orderedProducers {
	p := &orderedProducers{stop: make(chan struct{}), stored: map[string]int{}, failed: map[string]int{}, timeout: timeout,
		retried: map[string]map[int]bool{}}
	for h, e := range hosts {
		for k := range perHost {
			keys := make([]string, keysPer)
			for i := range keys {
				keys[i] = fmt.Sprintf("h%d-p%d-k%d", h, k, i)
			}
			p.wg.Go(func() { p.run(t, e, name, keys) })
		}
	}
	t.Cleanup(func() { p.halt() })
	return p
}

func (p *orderedProducers) run(t *testing.T, e *Engine, name string, keys []string) {
	next := make([]int, len(keys))
	recs := make([]Record, len(keys))
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		for i, k := range keys {
			recs[i] = Record{Data: fmt.Appendf(nil, "%s/%d", k, next[i]), PartitionKey: k}
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
		res, err := e.PutRecords(ctx, name, recs)
		cancel()
		if err != nil {
			t.Errorf("PutRecords: %v", err)
			return
		}
		p.mu.Lock()
		for i, r := range res {
			if r.Err != nil {
				p.failed[errKind(r.Err)]++
				if p.retried[keys[i]] == nil {
					p.retried[keys[i]] = map[int]bool{}
				}
				p.retried[keys[i]][next[i]] = true
				continue
			}
			next[i]++
			p.stored[keys[i]] = next[i]
		}
		p.mu.Unlock()
	}
}

func errKind(err error) string {
	for _, k := range []error{ErrThroughput, ErrStorageFull} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return err.Error()
}

// progress waits until the producers have stored n more records (a
// generous deadline only ends a hang).
func (p *orderedProducers) progress(t *testing.T, n int) {
	t.Helper()
	count := func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		total := 0
		for _, c := range p.stored {
			total += c
		}
		return total
	}
	want := count() + n
	for deadline := time.Now().Add(time.Minute); count() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("producers stored %d records in a minute, want %d", count(), want)
		}
	}
}

func (p *orderedProducers) halt() map[string]int {
	p.once.Do(func() { close(p.stop) })
	p.wg.Wait()
	return p.stored
}

// timedOut returns the record numbers whose put timed out at least once
// (a throughput error from a missing acknowledgement): stored perhaps,
// then put again, so they may be read twice, next to each other.
func (p *orderedProducers) timedOut() map[string]map[int]bool { return p.retried }

// readParentFirst reads every shard of the stream to its end, each
// parent before its children (shard ids grow with lineage, so id order
// is such an order), as a KCL does, and returns each key's records'
// numbers in the order read.
func readParentFirst(t *testing.T, e *Engine, name string) map[string][]int {
	t.Helper()
	ctx := context.Background()
	s, err := e.DescribeStream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int{}
	for _, sh := range s.Shards {
		it, err := e.GetShardIterator(ctx, name, sh.ID, IteratorRequest{Type: TrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		for it != "" {
			res, err := e.GetRecords(ctx, it, MaxGetLimit)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Records {
				key, n, ok := strings.Cut(string(r.Data), "/")
				if !ok || key != r.PartitionKey {
					t.Fatalf("shard %s: record %q under key %q", sh.ID, r.Data, r.PartitionKey)
				}
				i, _ := strconv.Atoi(n)
				got[key] = append(got[key], i)
			}
			res.Release()
			if sh.Open() && len(res.Records) == 0 {
				break // an open shard read to its newest record
			}
			it = res.NextIterator
		}
	}
	return got
}

// checkOncePerKeyInOrder checks that each key's records were read exactly
// once each, in put order: 0, 1, ..., stored-1; a record in again (a
// record put again after its put failed without an answer, and so
// perhaps stored twice) may be read twice in a row.
func checkOncePerKeyInOrder(t *testing.T, stored map[string]int, got map[string][]int, again map[string]map[int]bool) {
	t.Helper()
	bad := 0
	for key, n := range stored {
		seq := got[key]
		want, ok := 0, true
		for i := 0; ok && i < len(seq); i++ {
			switch {
			case seq[i] == want:
				want++
			case want > 0 && seq[i] == want-1 && again[key][want-1] && seq[i-1] == want-1:
				// the same record twice in a row: a retry of an unanswered put
			default:
				ok = false
			}
		}
		ok = ok && want == n
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("key %s: stored %d records, read %v", key, n, abbreviate(seq))
			}
		}
	}
	for key := range got {
		if _, ok := stored[key]; !ok {
			t.Errorf("records of key %s that no producer stored", key)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d keys lost, repeated or reordered records", bad, len(stored))
	}
}

func abbreviate(seq []int) string {
	// Show where the sequence first goes wrong.
	for i, v := range seq {
		if v != i {
			lo := max(0, i-3)
			return fmt.Sprintf("%d records, first wrong at %d: ...%v...", len(seq), i, seq[lo:min(len(seq), i+4)])
		}
	}
	return fmt.Sprintf("%d records, all in order", len(seq))
}

// TestReshardWhileTwoHostsPut: producers on two engines (two Sluice hosts
// on one JetStream, each with its own connection) put continuously over
// 60 keys while one host reshards 2 → 4 → 3 (UpdateShardCount, then a
// split and a merge); read parent-first, every key's records are there
// exactly once and in order.
func TestReshardWhileTwoHostsPut(t *testing.T) {
	reshardWhileTwoHostsPut(t, Config{})
}

// TestGroupedReshardWhileTwoHostsPut is TestReshardWhileTwoHostsPut on a
// stream whose shards spread over three JetStream streams (groups.go):
// parents and children live in different parts, each fenced with its own
// barrier, and each key's records still read once and in order.
func TestGroupedReshardWhileTwoHostsPut(t *testing.T) {
	reshardWhileTwoHostsPut(t, Config{ShardGroups: 3})
}

func reshardWhileTwoHostsPut(t *testing.T, cfg Config) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	a, b := openHostWith(t, srv, "host-a", cfg), openHostWith(t, srv, "host-b", cfg)
	if err := a.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	p := startProducers(t, "s", []*Engine{a, b}, 3, 10, time.Minute)
	pause := func() { p.progress(t, 300) }
	pause()
	steps := []struct {
		name string
		do   func() error
	}{
		{"2 → 4 on host a", func() error { return a.UpdateShardCount(ctx, "s", 4) }},
		{"4 → 3 on host b", func() error { return b.UpdateShardCount(ctx, "s", 3) }},
		{"split on host a", func() error {
			s, _ := a.DescribeStream(ctx, "s")
			for _, sh := range s.Shards {
				if sh.Open() {
					r, _ := sh.HashRange()
					mid := fromBig(new(bigInt).Rsh(new(bigInt).Add(r.Start.big(), r.End.big()), 1))
					return a.SplitShard(ctx, "s", sh.ID, mid.String())
				}
			}
			return errors.New("no open shard")
		}},
		{"merge on host b", func() error {
			s, _ := b.DescribeStream(ctx, "s")
			open := newPlanner(s, "").open
			return b.MergeShards(ctx, "s", open[0].ID, open[1].ID)
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		pause()
	}
	stored := p.halt()
	if t.Failed() {
		return
	}
	s, _ := a.DescribeStream(ctx, "s")
	checkLineage(t, s)
	if s.OpenShards() != 3 {
		t.Fatalf("%d open shards, want 3", s.OpenShards())
	}
	total := 0
	for _, n := range stored {
		total += n
	}
	if len(stored) != 60 {
		t.Fatalf("only %d keys and %d records stored", len(stored), total)
	}
	checkOncePerKeyInOrder(t, stored, readParentFirst(t, b, "s"), nil)
	if n := a.strayShards.Load() + b.strayShards.Load(); n > 0 {
		t.Errorf("%d closed shards held records past their end after a commit", n)
	}
	rerouted := a.rerouted.Load() + b.rerouted.Load()
	if rerouted == 0 {
		t.Error("no record was refused by a fence and put again: the test did not race a reshard")
	}
	t.Logf("%d records over %d keys across %d reshards, %d put again on a child after a fence; per-record failures retried: %v",
		total, len(stored), s.Generation, rerouted, p.failed)
}

// TestIteratorFromAnotherHost: an iterator one host issued reads on
// another (each with its own connection and no shared state but
// JetStream), through a reshard: the parent read to its end names its
// children, whose iterators the first host then reads.
func TestIteratorFromAnotherHost(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	a, b := openHost(t, srv, "host-a"), openHost(t, srv, "host-b")
	if err := a.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	putN(t, a, "s", 3)
	tok, err := a.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.UpdateShardCount(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	putN(t, b, "s", 4)
	// Host b reads the closed parent to its end with host a's iterator.
	res, err := b.GetRecords(ctx, tok, 10)
	if err != nil || len(res.Records) != 3 || res.NextIterator != "" || len(res.ChildShards) != 2 {
		t.Fatalf("host b reading host a's iterator of the closed parent: %+v, %v", res, err)
	}
	res.Release()
	n := 0
	for _, c := range res.ChildShards {
		it, err := b.GetShardIterator(ctx, "s", c.ID, IteratorRequest{Type: TrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.GetRecords(ctx, it, 10)
		if err != nil {
			t.Fatalf("host a reading host b's iterator: %v", err)
		}
		n += len(got.Records)
		got.Release()
	}
	if n != 4 {
		t.Fatalf("children hold %d records, want 4", n)
	}
}

// TestFencedPutsWaitForTheNewShards: a host that fenced a reshard's
// parents off and died before committing leaves puts to the parents
// refused; a put through another host fails those records (only those)
// with a throughput error once its wait is over, never hangs or retries
// forever; after StuckAfter the other host's maintenance finishes the
// reshard and the records go to the children.
func TestFencedPutsWaitForTheNewShards(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a := openHost(t, srv, "host-a")
	nc, err := srv.Connect("host-b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b := openEngineOn(t, nc, Config{Now: clock})
	if err := a.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	// Host a plans a split of shard 1 and fences it, then dies.
	dead := errors.New("host a died after its fence")
	a.hook = func(p string) {
		if p == phaseFenced {
			panic(dead)
		}
	}
	func() {
		defer func() {
			if r := recover(); r != dead {
				t.Fatalf("reshard did not reach the fence: %v", r)
			}
		}()
		_ = a.SplitShard(ctx, "s", ShardID(1), SplitHashRange(4)[3].Start.String())
	}()

	// Keys routed to shard 0 (open) and shard 1 (fenced off).
	var k0, k1 string
	for i := 0; k0 == "" || k1 == ""; i++ {
		k := fmt.Sprintf("k%d", i)
		if SplitHashRange(2)[1].Contains(PartitionHash(k)) {
			k1 = k
		} else {
			k0 = k
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	res, err := b.PutRecords(pctx, "s", []Record{{Data: []byte("a"), PartitionKey: k0}, {Data: []byte("b"), PartitionKey: k1}})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].ShardID != ShardID(0) {
		t.Errorf("record to the open shard: %+v", res[0])
	}
	if !errors.Is(res[1].Err, ErrThroughput) || !strings.Contains(res[1].Err.Error(), "closed by a reshard") {
		t.Errorf("record to the fenced shard: %+v, want a throughput error naming the reshard", res[1])
	}

	// Host b finishes the stuck reshard once it has been stuck long enough.
	if err := b.finishStuck(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := b.DescribeStream(ctx, "s"); s.Status != StatusUpdating {
		t.Fatalf("finished a reshard stuck for less than StuckAfter: %s", s.Status)
	}
	mu.Lock()
	now = now.Add(StuckAfter + time.Second)
	mu.Unlock()
	if err := b.finishStuck(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := b.DescribeStream(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	checkLineage(t, s)
	r, err := b.PutRecord(ctx, "s", Record{Data: []byte("b"), PartitionKey: k1}, "")
	if err != nil || (r.ShardID != ShardID(2) && r.ShardID != ShardID(3)) {
		t.Fatalf("record after the reshard was finished: %+v, %v", r, err)
	}
}

// TestReshardWhileTwoHostsPutOnACluster is TestReshardWhileTwoHostsPut on
// a real 3-node JetStream cluster, the stream and buckets replicated
// three times, each host connected to the cluster on its own: 2 → 4 → 3.
func TestReshardWhileTwoHostsPutOnACluster(t *testing.T) {
	ctx := context.Background()
	c := natscluster.Start(t, 3)
	// Grouped, as a stream that must scale past one leader would be: its
	// three parts' leaders land where JetStream places them.
	a := openEngineOn(t, c.Connect("host-a"), Config{Replicas: 3, ShardGroups: 3})
	b := openEngineOn(t, c.Connect("host-b"), Config{Replicas: 3, ShardGroups: 3})
	if err := jsretry.Do(ctx, func(ctx context.Context) error { return a.CreateStream(ctx, "s", 2) }); err != nil {
		t.Fatal(err)
	}
	// On a cluster a record sent to a parent while the leader's
	// unsubscribe is still reaching the other nodes is dropped without an
	// answer (RATIONALE.md): it fails at the producer's timeout.
	p := startProducers(t, "s", []*Engine{a, b}, 3, 10, time.Second)
	p.progress(t, 200)
	if err := a.UpdateShardCount(ctx, "s", 4); err != nil {
		t.Fatal(err)
	}
	p.progress(t, 200)
	if err := b.UpdateShardCount(ctx, "s", 3); err != nil {
		t.Fatal(err)
	}
	p.progress(t, 200)
	stored := p.halt()
	if t.Failed() {
		return
	}
	s, _ := a.DescribeStream(ctx, "s")
	checkLineage(t, s)
	total := 0
	for _, n := range stored {
		total += n
	}
	if len(stored) != 60 {
		t.Fatalf("only %d keys and %d records stored", len(stored), total)
	}
	checkOncePerKeyInOrder(t, stored, readParentFirst(t, b, "s"), p.timedOut())
	if n := a.strayShards.Load() + b.strayShards.Load(); n > 0 {
		t.Errorf("%d closed shards held records past their end after a commit", n)
	}
	t.Logf("%d records over %d keys across %d reshards, %d put again on a child after a fence; per-record failures retried: %v",
		total, len(stored), s.Generation, a.rerouted.Load()+b.rerouted.Load(), p.failed)
}

// TestStraysAreFound: a record on a closed parent past its end (which
// the fence leaves no room for) is what strays reports.
func TestStraysAreFound(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	putN(t, e, "s", 2)
	if err := e.UpdateShardCount(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	s, _ := e.DescribeStream(ctx, "s")
	if bad, err := e.strays(ctx, s); err != nil || len(bad) != 0 {
		t.Fatalf("after a clean reshard: %v, %v", bad, err)
	}
	// Open the parent's subject again behind the definition's back.
	if err := e.setSubjects(ctx, "s", 0, append(openSubjects(s, 0), shardSubject("s", ShardID(0)))); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.JS.Publish(ctx, shardSubject("s", ShardID(0)), []byte("late")); err != nil {
		t.Fatal(err)
	}
	if bad, err := e.strays(ctx, s); err != nil || len(bad) != 1 || bad[0] != ShardID(0) {
		t.Fatalf("a record past the parent's end: %v, %v", bad, err)
	}
}
