package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sluice-io/sluice/host/streams"
)

// TestOrderPerKeyAcrossReshard writes per-key counters into a data stream
// without pause while it is resharded 2 -> 8 -> 3, and checks, in the output
// of a delivery stream reading it, that every key's counters arrive in order,
// none lost and none twice.
func TestOrderPerKeyAcrossReshard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "counters", 2); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("ordered", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "counters", StartingPosition: streams.TrimHorizon}
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(1)}
	e.create(def)

	const keys = 40
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		next    [keys]int // the next counter of each key, owned by the producer
		lastSeq atomic.Uint64
		putErr  error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 0; !stop.Load(); round++ {
			batch := make([]streams.Record, 0, keys)
			for k := range keys {
				batch = append(batch, streams.Record{
					PartitionKey: fmt.Sprintf("key-%d", k),
					Data:         fmt.Appendf(nil, `{"k":%d,"n":%d}`, k, next[k]),
				})
			}
			res, err := e.eng.PutRecords(ctx, "counters", batch)
			if err != nil {
				putErr = err
				return
			}
			for i, r := range res {
				if r.Err != nil {
					// Not stored: the same counter is sent again next round.
					continue
				}
				next[i]++
				if seq, _ := strconv.ParseUint(r.SequenceNumber, 10, 64); seq > lastSeq.Load() {
					lastSeq.Store(seq)
				}
			}
		}
	}()

	waitFor(t, "records before the first reshard", func() bool { return lastSeq.Load() > 400 })
	if err := e.eng.UpdateShardCount(ctx, "counters", 4); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.UpdateShardCount(ctx, "counters", 8); err != nil {
		t.Fatal(err)
	}
	mark := lastSeq.Load()
	waitFor(t, "records after 2 -> 8", func() bool { return lastSeq.Load() > mark+400 })
	if err := e.eng.UpdateShardCount(ctx, "counters", 4); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.UpdateShardCount(ctx, "counters", 3); err != nil {
		t.Fatal(err)
	}
	mark = lastSeq.Load()
	waitFor(t, "records after 8 -> 3", func() bool { return lastSeq.Load() > mark+400 })
	stop.Store(true)
	wg.Wait()
	if putErr != nil {
		t.Fatal(putErr)
	}
	s, err := e.eng.DescribeStream(ctx, "counters")
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenShards() != 3 {
		t.Fatalf("%d open shards after the reshards, want 3", s.OpenShards())
	}
	e.waitCheckpoint("ordered", lastSeq.Load())

	// Objects in delivery order: by the first source position in their name.
	objs := objects(t, out)
	names := sortedKeys(objs, "")
	first := func(key string) uint64 {
		parts := strings.Split(strings.TrimSuffix(key[strings.LastIndex(key, "/")+1:], ".jsonl"), "-")
		n, _ := strconv.ParseUint(parts[len(parts)-2], 10, 64)
		return n
	}
	sort.Slice(names, func(i, j int) bool { return first(names[i]) < first(names[j]) })
	var got [keys]int
	total := 0
	for _, name := range names {
		if strings.HasPrefix(name, "errors/") {
			t.Fatalf("error output %s: %s", name, objs[name])
		}
		for _, line := range lines(objs[name]) {
			var r struct{ K, N int }
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%s: %q: %v", name, line, err)
			}
			if r.N != got[r.K] {
				t.Fatalf("key %d: counter %d arrived when %d was due (in %s)", r.K, r.N, got[r.K], name)
			}
			got[r.K]++
			total++
		}
	}
	for k := range keys {
		if got[k] != next[k] {
			t.Errorf("key %d: %d counters delivered, %d written", k, got[k], next[k])
		}
	}
	t.Logf("%d records over %d objects, in order per key across 2 -> 8 -> 3 shards", total, len(names))
}
