package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/streams"
)

// Delivery streams reading a data stream with shard groups: a pipeline per
// part (parts.go), each with its own position, intent and object names,
// and each key's records in order across a reshard whose parents and
// children are in different parts.

// putMod puts records to a data stream, record i under partition key
// "k<i mod keys>", failing on any error.
func (e *env) putMod(stream string, recs [][]byte, keys int) {
	e.t.Helper()
	for off := 0; off < len(recs); off += streams.MaxPutRecords {
		n := min(len(recs)-off, streams.MaxPutRecords)
		batch := make([]streams.Record, n)
		for i := range batch {
			batch[i] = streams.Record{PartitionKey: fmt.Sprintf("k%d", (off+i)%keys), Data: recs[off+i]}
		}
		res, err := e.eng.PutRecords(context.Background(), stream, batch)
		if err != nil {
			e.t.Fatalf("put to %s: %v", stream, err)
		}
		for _, r := range res {
			if r.Err != nil {
				e.t.Fatalf("put to %s: %v", stream, r.Err)
			}
		}
	}
}

// waitParts waits until every part of the delivery stream has delivered
// up to the last sequence its part of the source holds.
func (e *env) waitParts(name, stream string) {
	e.t.Helper()
	s, err := e.eng.DescribeStream(context.Background(), stream)
	if err != nil {
		e.t.Fatal(err)
	}
	want := make([]uint64, s.Parts())
	for g := range want {
		js, _ := streams.PartSource(stream, g)
		info, err := e.js.JS.Stream(context.Background(), js)
		if err != nil {
			e.t.Fatal(err)
		}
		want[g] = info.CachedInfo().State.LastSeq
	}
	waitFor(e.t, fmt.Sprintf("every part of %s delivered up to %v", name, want), func() bool {
		st := e.status(name)
		got := st.PartCheckpoints
		if len(want) == 1 {
			got = []uint64{st.Checkpoint}
		}
		if len(got) != len(want) {
			return false
		}
		for g := range want {
			if got[g] < want[g] {
				return false
			}
		}
		return true
	})
}

// createGrouped creates a data stream of shards shards over groups shard
// groups.
func createGrouped(t *testing.T, eng *streams.Engine, name string, shards, groups int) {
	t.Helper()
	if err := eng.CreateStreamWith(context.Background(), name, shards, streams.CreateOptions{ShardGroups: groups}); err != nil {
		t.Fatal(err)
	}
}

// streamDef is a delivery stream reading the data stream from start into
// a folder (returned), each batch as soon as it is read.
func streamDef(t *testing.T, name, stream, start string) (Definition, string) {
	out := t.TempDir()
	def := folderDef(name, out)
	def.Source = Source{Kind: SourceDataStream, Stream: stream, StartingPosition: start}
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(0)}
	return def, out
}

// counter is a record of TestGroupedSourceKeepsKeyOrderAcrossReshard.
type counter struct{ K, N int }

// A grouped source's records arrive, once each, and each key's in order,
// although the reshards put parents and children in different parts
// whose pipelines run side by side: each part is made to wait for its
// shards' ancestors in the others. The records wait in the source first
// (a backlog in every part, both sides of each reshard), so that parts
// read unheld would race. The HTTP endpoint sees requests in the order
// they are delivered, one at a time.
func TestGroupedSourceKeepsKeyOrderAcrossReshard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	createGrouped(t, e.eng, "wide", 4, 3)
	const keys = 40
	next := make([]int, keys)
	put := func(rounds int) {
		for range rounds {
			batch := make([]streams.Record, keys)
			for k := range batch {
				batch[k] = streams.Record{PartitionKey: fmt.Sprintf("key-%d", k), Data: fmt.Appendf(nil, `{"k":%d,"n":%d}`, k, next[k])}
			}
			res, err := e.eng.PutRecords(ctx, "wide", batch)
			if err != nil {
				t.Fatal(err)
			}
			for k, r := range res {
				if r.Err != nil {
					t.Fatalf("put: %v", r.Err)
				}
				next[k]++
			}
		}
	}
	put(10)
	for _, n := range []int{8, 4, 3} {
		if err := e.eng.UpdateShardCount(ctx, "wide", n); err != nil {
			t.Fatal(err)
		}
		put(10)
	}
	total := 0
	for _, n := range next {
		total += n
	}

	var mu sync.Mutex
	var seen []counter
	ep := &endpoint{records: map[string]int{}, ids: map[string]bool{}}
	srv := httptest.NewServer(recorder(ep, func(_ string, recs []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			var c counter
			if err := json.Unmarshal([]byte(r), &c); err != nil {
				t.Errorf("record %q: %v", r, err)
			}
			seen = append(seen, c)
		}
		time.Sleep(5 * time.Millisecond) // one part's request at a time, each a moment long
	}))
	defer srv.Close()
	def := httpDef("ordered", srv.URL, t.TempDir())
	def.Source = Source{Kind: SourceDataStream, Stream: "wide", StartingPosition: streams.TrimHorizon}
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(0)}
	e.create(def)
	waitFor(t, "every record", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) >= total
	})
	e.waitParts("ordered", "wide")
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != total {
		t.Fatalf("%d records delivered, %d put", len(seen), total)
	}
	got := make([]int, keys)
	for i, c := range seen {
		if c.N != got[c.K] {
			t.Fatalf("record %d: key %d's counter %d arrived when %d was due", i, c.K, c.N, got[c.K])
		}
		got[c.K]++
	}
	st := e.status("ordered")
	if len(st.PartCheckpoints) != 3 || st.DeliveredRecords != int64(total) || st.State != StatusActive {
		t.Fatalf("status %+v, want 3 part checkpoints and %d records delivered", st, total)
	}
}

// Each part has its own position and names its objects apart: restarts
// while batches are in flight, in every part, deliver each record once,
// and LATEST starts every part at its end.
func TestGroupedSourceExactlyOnceAcrossRestarts(t *testing.T) {
	e := newEnv(t)
	createGrouped(t, e.eng, "wide", 6, 3)
	e.putMod("wide", numbered(300, `{"before":%d}`), 60) // not read: LATEST
	def, out := streamDef(t, "latest", "wide", streams.Latest)
	e.create(def)
	recs := numbered(12000, `{"id":%d}`)
	for i := 0; i < len(recs); i += 3000 {
		e.putMod("wide", recs[i:i+3000], 60)
		e.restart() // Close lands while batches are being delivered
	}
	e.waitParts("latest", "wide")
	objs := objects(t, out)
	checkOnce(t, countLines(objs), recs)
	parts := map[string]bool{}
	for k := range objs {
		switch {
		case strings.Contains(k, "-p1"):
			parts["1"] = true
		case strings.Contains(k, "-p2"):
			parts["2"] = true
		default:
			parts["0"] = true
		}
	}
	if len(parts) != 3 {
		t.Fatalf("objects of parts %v, want all 3", parts)
	}
}

// A batch of part 1 left written but not acknowledged (its intent in part
// 1's position) is replayed to the same objects, not added to them.
func TestGroupedSourceReplaysAPartsIntent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	createGrouped(t, e.eng, "wide", 2, 2)
	def, out := streamDef(t, "replay", "wide", streams.TrimHorizon)
	e.create(def)
	recs := numbered(400, `{"i":%d}`)
	e.putMod("wide", recs, 40)
	e.waitParts("replay", "wide")
	before := objects(t, out)
	checkOnce(t, countLines(before), recs)
	// Part 1's last batch: the one with the highest first position.
	var first, end uint64
	for _, k := range sortedKeys(before, "") {
		if !strings.HasSuffix(k, "-p1.jsonl") {
			continue
		}
		fields := strings.Split(strings.TrimSuffix(k[strings.LastIndex(k, "/")+1:], "-p1.jsonl"), "-")
		f, _ := strconv.ParseUint(fields[len(fields)-2], 10, 64)
		l, _ := strconv.ParseUint(fields[len(fields)-1], 10, 64)
		if f > first {
			first, end = f, l
		}
	}
	if first == 0 || end < first {
		t.Fatalf("no batch of part 1 in %v", sortedKeys(before, ""))
	}
	pos, _, err := e.m.store.loadPartPos(ctx, "replay", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	pos.Checkpoint, pos.Intent = first-1, &intent{First: first, Last: end, Version: 1}
	b, _ := json.Marshal(pos)
	if _, err := e.m.store.kv.Put(ctx, posKey("replay", 1), b); err != nil {
		t.Fatal(err)
	}
	e.restart()
	waitFor(t, "the replay of part 1's batch", func() bool {
		p, _, err := e.m.store.loadPartPos(ctx, "replay", 1)
		return err == nil && p.Intent == nil && p.Checkpoint >= end
	})
	after := objects(t, out)
	if len(after) != len(before) {
		t.Fatalf("replay changed the objects: %d before, %d after", len(before), len(after))
	}
	checkOnce(t, countLines(after), recs)
}

// A grouped source deleted with records undelivered in each part: each
// part records its own loss (from the tombstone, exactly), and when the
// stream is made again with fewer parts, the part it no longer has is
// retired; the new stream is read from its start.
func TestGroupedSourceDeletedThenFewerParts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	createGrouped(t, e.eng, "wide", 4, 2)
	def, out := streamDef(t, "del", "wide", streams.TrimHorizon)
	e.create(def)
	delivered := numbered(100, `{"old":%d}`)
	e.putMod("wide", delivered, 20)
	e.waitParts("del", "wide")
	if err := e.m.Close(); err != nil { // the delivery stream stops; the data stream goes on
		t.Fatal(err)
	}
	e.putMod("wide", numbered(60, `{"undelivered":%d}`), 20)
	if err := e.eng.DeleteStream(ctx, "wide"); err != nil {
		t.Fatal(err)
	}
	e.restart()
	waitFor(t, "the loss recorded in both parts", func() bool { return lost(gapErrors(t, out)) == 60 })
	errs := gapErrors(t, out)
	if len(errs) != 2 {
		t.Fatalf("gap records %+v, want one per part", errs)
	}
	for g := range 2 {
		if !strings.Contains(errs[0].ErrorMessage+errs[1].ErrorMessage, fmt.Sprintf("of shard group %d)", g)) {
			t.Fatalf("gap records %+v: none names shard group %d", errs, g)
		}
	}
	if n := e.metric("sluice_delivery_source_lost_records_total", map[string]string{"delivery_stream": "del", "reason": lostDeleted}); n != 60 {
		t.Fatalf("lost records metric %v, want 60", n)
	}
	if err := e.eng.CreateStream(ctx, "wide", 2); err != nil { // one part now
		t.Fatal(err)
	}
	fresh := numbered(30, `{"new":%d}`)
	e.putMod("wide", fresh, 5)
	waitFor(t, "the new stream's records", func() bool { return len(countLines(objects(t, out))) == 130 })
	waitFor(t, "part 1 retired", func() bool {
		kept, err := e.m.store.partsKept(ctx, "del")
		return err == nil && len(kept) == 0 && len(e.status("del").PartCheckpoints) == 0
	})
	checkOnce(t, countLines(objects(t, out)), append(delivered, fresh...))
	if st := e.status("del"); st.LostRecords != 60 {
		t.Fatalf("status %+v: want the 60 lost records counted, the retired part's too", st)
	}
	if lost(gapErrors(t, out)) != 60 {
		t.Fatal("the loss was recorded again")
	}
	e.waitState("del", StatusActive)
}

// A delivery stream whose source is made again with shard groups reads
// every part of the new stream.
func TestSourceRecreatedGrouped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "src", 2); err != nil {
		t.Fatal(err)
	}
	def, out := streamDef(t, "recreated", "src", streams.TrimHorizon)
	e.create(def)
	old := numbered(50, `{"old":%d}`)
	e.putMod("src", old, 10)
	e.waitParts("recreated", "src")
	if err := e.eng.DeleteStream(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	createGrouped(t, e.eng, "src", 4, 2)
	fresh := numbered(200, `{"new":%d}`)
	e.putMod("src", fresh, 40)
	waitFor(t, "the grouped stream's records", func() bool { return len(countLines(objects(t, out))) == 250 })
	checkOnce(t, countLines(objects(t, out)), append(old, fresh...))
	e.waitParts("recreated", "src")
}

// Kill the host running a delivery stream of a grouped source while
// records flow: another host takes every part over within the failover
// bound, and the output holds every record once.
func TestKillOwnerOfGroupedSource(t *testing.T) {
	c := newCluster(t, 0)
	c.streams = true
	owner := c.add(nil)
	producer := c.add(nil)
	c.add(nil)
	ctx := context.Background()
	createGrouped(t, owner.eng, "wide", 4, 2)
	def, out := streamDef(t, "fo", "wide", streams.TrimHorizon)
	if _, err := owner.m.Create(ctx, def); err != nil {
		t.Fatal(err)
	}
	if r := c.waitRunner("fo", 60*time.Second); r != owner {
		t.Fatalf("runs on %s, not on %s where it was created", r.id, owner.id)
	}
	const total = 3000
	recs := numbered(total, `{"n":%d}`)
	put := func(from, to int) {
		batch := make([]streams.Record, 0, to-from)
		for i := from; i < to; i++ {
			batch = append(batch, streams.Record{PartitionKey: fmt.Sprintf("k%d", i%50), Data: recs[i]})
		}
		res, err := producer.eng.PutRecords(ctx, "wide", batch)
		if err != nil {
			t.Errorf("put: %v", err)
			return
		}
		for _, r := range res {
			if r.Err != nil {
				t.Errorf("put: %v", r.Err)
			}
		}
	}
	put(0, 500)
	waitDelivered(t, out, 500)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for from := 500; from < total; from += 100 {
			put(from, from+100)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	killed := time.Now()
	c.kill(owner)
	next := c.waitRunner("fo", failoverBound())
	took := time.Since(killed)
	wg.Wait()
	waitDelivered(t, out, total)
	t.Logf("failover: %s took over %v after the kill", next.id, took.Round(time.Millisecond))
	if took > failoverBound() {
		t.Fatalf("failover took %v, over %v", took, failoverBound())
	}
	time.Sleep(DefaultLeaseRenew) // the killed host, if it wrote again, wrote the same objects
	checkOnce(t, countLines(objects(t, out)), recs)
	_, st, err := next.m.Describe(ctx, "fo")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.PartCheckpoints) != 2 {
		t.Fatalf("status %+v, want two part checkpoints", st)
	}
}

// Records gone from one part before they could be delivered (purged
// behind Sluice's back, as retention would) are recorded as that part's
// gap, named for it, while the other part delivers all of its own.
func TestGroupedSourceGapInOnePart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	createGrouped(t, e.eng, "wide", 2, 2)
	def, out := streamDef(t, "gap", "wide", streams.TrimHorizon)
	e.create(def)
	unblock := block(t, out)
	e.restart() // nothing can be written: the records wait in the source
	e.putMod("wide", numbered(100, `{"i":%d}`), 20)
	e.waitState("gap", StatusFailed)
	js1, _ := streams.PartSource("wide", 1)
	s1, err := e.js.JS.Stream(ctx, js1)
	if err != nil {
		t.Fatal(err)
	}
	inPart1 := s1.CachedInfo().State.Msgs
	if inPart1 == 0 || inPart1 == 100 {
		t.Fatalf("%d of 100 records in part 1: want both parts used", inPart1)
	}
	if err := s1.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	unblock()
	waitFor(t, "part 1's loss recorded", func() bool { return lost(gapErrors(t, out)) == inPart1 })
	errs := gapErrors(t, out)
	if len(errs) != 1 || errs[0].ErrorCode != codeRecordsExpired || !strings.Contains(errs[0].ErrorMessage, "of shard group 1") {
		t.Fatalf("gap records %+v: want one of part 1's %d records", errs, inPart1)
	}
	waitFor(t, "part 0's records", func() bool { return uint64(len(countLines(objects(t, out)))) == 100-inPart1 })
	if st := e.waitState("gap", StatusActive); st.LostRecords != int64(inPart1) {
		t.Fatalf("status %+v: want %d lost records", st, inPart1)
	}
}
