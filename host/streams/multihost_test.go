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

	"github.com/sluice-io/sluice/internal/jstest"
)

// openHost opens an engine on its own connection to srv, as a second
// Sluice host on the same JetStream would.
func openHost(t *testing.T, srv *jstest.Server, name string) *Engine {
	t.Helper()
	nc, err := srv.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return openEngineOn(t, nc)
}

func openEngineOn(t *testing.T, nc *nats.Conn) *Engine {
	t.Helper()
	e, err := Open(context.Background(), nc, Config{ScaleInterval: -1})
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
	mu     sync.Mutex
	stored map[string]int
	failed map[string]int // per-record failures seen, by error kind
}

func startProducers(t *testing.T, name string, hosts []*Engine, perHost, keysPer int) *orderedProducers {
	p := &orderedProducers{stop: make(chan struct{}), stored: map[string]int{}, failed: map[string]int{}}
	for h, e := range hosts {
		for k := range perHost {
			keys := make([]string, keysPer)
			for i := range keys {
				keys[i] = fmt.Sprintf("h%d-p%d-k%d", h, k, i)
			}
			p.wg.Go(func() { p.run(t, e, name, keys) })
		}
	}
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
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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

func (p *orderedProducers) halt() map[string]int {
	close(p.stop)
	p.wg.Wait()
	return p.stored
}

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
// once each, in put order: 0, 1, ..., stored-1.
func checkOncePerKeyInOrder(t *testing.T, stored map[string]int, got map[string][]int) {
	t.Helper()
	bad := 0
	for key, n := range stored {
		seq := got[key]
		ok := len(seq) == n
		for i := 0; ok && i < n; i++ {
			ok = seq[i] == i
		}
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
	ctx := context.Background()
	srv := jstest.Start(t, "")
	a, b := openHost(t, srv, "host-a"), openHost(t, srv, "host-b")
	if err := a.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	p := startProducers(t, "s", []*Engine{a, b}, 3, 10)
	pause := func() { time.Sleep(150 * time.Millisecond) }
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
	if len(stored) != 60 || total < 600 {
		t.Fatalf("only %d keys and %d records stored", len(stored), total)
	}
	checkOncePerKeyInOrder(t, stored, readParentFirst(t, b, "s"))
	t.Logf("%d records over %d keys across %d reshards; per-record failures retried: %v", total, len(stored), s.Generation, p.failed)
}
