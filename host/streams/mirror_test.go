package streams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/internal/hubtest"
)

// edgeSite is an edge Sluice's embedded server (a leaf of the hub, in
// domain edgeDomain) and its engine.
type edgeSite struct {
	srv *natsd.Server
	nc  *nats.Conn
	e   *Engine
}

const edgeDomain = "edge1"

// startEdgeSite starts an edge whose leaf connects to leafURL (the hub's
// or a hubtest.Link's).
func startEdgeSite(t testing.TB, hub *hubtest.Hub, leafURL string) *edgeSite {
	t.Helper()
	return startEdgeIn(t, hub, leafURL, edgeDomain)
}

// startEdgeIn starts an edge in domain, logging in to the hub as the
// edge user of the same name.
func startEdgeIn(t testing.TB, hub *hubtest.Hub, leafURL, domain string) *edgeSite {
	t.Helper()
	srv, err := natsd.Start(natsd.Config{DataDir: t.TempDir(), JetStreamDomain: domain,
		Leaf:         natsd.Leaf{URLs: []string{leafURL}, User: domain, PasswordFile: hub.PasswordFile(domain)},
		DataSubjects: DataSubjects, IsDataStream: IsDataStream, HubDirectGets: DefinitionDirectGets()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	nc, err := srv.Connect("edge")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	e, err := Open(context.Background(), nc, Config{ScaleInterval: -1, MirrorSync: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return &edgeSite{srv: srv, nc: nc, e: e}
}

func openHubEngine(t testing.TB, hub *hubtest.Hub) *Engine {
	t.Helper()
	e, err := Open(context.Background(), hub.Connect("hub-sluice"), Config{ScaleInterval: -1, MirrorSync: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute) // ends a hang; times nothing
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readShard reads a whole shard from TRIM_HORIZON to now.
func readShard(t testing.TB, e *Engine, stream, shard string) []StoredRecord {
	t.Helper()
	ctx := context.Background()
	it, err := e.GetShardIterator(ctx, stream, shard, IteratorRequest{Type: "TRIM_HORIZON"})
	if err != nil {
		t.Fatalf("iterator %s/%s: %v", stream, shard, err)
	}
	var out []StoredRecord
	for it != "" {
		res, err := e.GetRecords(ctx, it, MaxGetLimit)
		if err != nil {
			t.Fatalf("read %s/%s: %v", stream, shard, err)
		}
		out = append(out, res.Records...)
		res.Release()
		if len(res.Records) == 0 {
			break
		}
		it = res.NextIterator
	}
	return out
}

// readAll reads every shard of a stream.
func readAll(t testing.TB, e *Engine, stream string) map[string][]StoredRecord {
	t.Helper()
	s, err := e.DescribeStream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]StoredRecord{}
	for _, sh := range s.Shards {
		out[sh.ID] = readShard(t, e, stream, sh.ID)
	}
	return out
}

func count(m map[string][]StoredRecord) int {
	n := 0
	for _, rs := range m {
		n += len(rs)
	}
	return n
}

// sameRecords fails unless the hub has exactly the edge's records, shard
// by shard, in order, with the same sequence numbers.
func sameRecords(t *testing.T, edge, hub map[string][]StoredRecord) {
	t.Helper()
	if len(edge) != len(hub) {
		t.Fatalf("edge has %d shards, hub %d", len(edge), len(hub))
	}
	for id, want := range edge {
		got := hub[id]
		if len(got) != len(want) {
			t.Fatalf("shard %s: hub has %d records, edge %d", id, len(got), len(want))
		}
		for i := range want {
			w, g := want[i], got[i]
			if g.SequenceNumber != w.SequenceNumber || g.PartitionKey != w.PartitionKey || !bytes.Equal(g.Data, w.Data) {
				t.Fatalf("shard %s record %d: hub %s %q %q, edge %s %q %q", id, i, g.SequenceNumber, g.PartitionKey, g.Data, w.SequenceNumber, w.PartitionKey, w.Data)
			}
		}
	}
}

func putRange(t testing.TB, e *Engine, stream string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i += MaxPutRecords {
		var recs []Record
		for j := i; j < min(from+n, i+MaxPutRecords); j++ {
			recs = append(recs, Record{PartitionKey: fmt.Sprintf("key-%d", j%17), Data: fmt.Appendf(nil, "record-%d", j)})
		}
		res, err := e.PutRecords(context.Background(), stream, recs)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
}

// TestMirrorAcrossTheLeaf: the hub mirrors an edge's stream over the leaf
// connection; records put while the link is up and while it is cut (the
// hub stopped) all reach the hub once, in order per shard, with the
// edge's sequence numbers; the hub takes the edge's reshards; the mirror
// refuses puts and reshards; its status reports the replication.
func TestMirrorAcrossTheLeaf(t *testing.T) {
	hub := hubtest.Start(t, edgeDomain)
	link := hub.Link()
	edge := startEdgeSite(t, hub, link.URL())
	poll(t, "the leaf connection", edge.srv.LeafConnected)
	he := openHubEngine(t, hub)
	ctx := context.Background()
	if err := edge.e.CreateStream(ctx, "orders", 2); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "orders", 0, 300)
	m, err := he.CreateMirror(ctx, MirrorOptions{Domain: edgeDomain, Stream: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	const name = edgeDomain + ".orders"
	if m.Name != name || len(m.Shards) != 2 || m.RetentionHours != DefaultRetentionHours {
		t.Fatalf("mirror %+v", m)
	}
	created := time.Now()
	poll(t, "300 records at the hub", func() bool { return count(readAll(t, he, name)) == 300 })
	t.Logf("mirrored %v after its creation", time.Since(created))
	sameRecords(t, readAll(t, edge.e, "orders"), readAll(t, he, name))

	// Cut the link, then stop the hub: records wait on the edge's disk.
	link.Cut()
	poll(t, "the leaf connection down", func() bool { return !edge.srv.LeafConnected() })
	putRange(t, edge.e, "orders", 300, 300)
	restored := time.Now()
	link.Restore()
	poll(t, "600 records at the hub", func() bool { return count(readAll(t, he, name)) >= 600 })
	t.Logf("caught up %v after the link was restored", time.Since(restored))
	sameRecords(t, readAll(t, edge.e, "orders"), readAll(t, he, name))
	link.Cut()
	poll(t, "the leaf connection down", func() bool { return !edge.srv.LeafConnected() })
	if st, err := he.MirrorStatus(ctx, name); err != nil || st.SourceReachable || st.LastSequence != 600 {
		t.Fatalf("status with the link cut: %+v %v", st, err)
	}
	link.Restore()
	hub.Stop()
	poll(t, "the leaf connection down", func() bool { return !edge.srv.LeafConnected() })
	putRange(t, edge.e, "orders", 600, 400)
	restored = time.Now()
	hub.Restart()
	poll(t, "1000 records at the hub", func() bool { return count(readAll(t, he, name)) >= 1000 })
	t.Logf("caught up %v after the hub was restarted", time.Since(restored))
	sameRecords(t, readAll(t, edge.e, "orders"), readAll(t, he, name))
	sameRecords(t, readAll(t, edge.e, "orders"), readAll(t, he, name))

	// A reshard at the edge reaches the hub's definition with the next sync.
	if err := edge.e.UpdateShardCount(ctx, "orders", 4); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "orders", 1000, 200)
	if err := he.SyncMirrors(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := he.DescribeStream(ctx, name)
	if err != nil || len(hs.Shards) != 6 || hs.OpenShards() != 4 {
		t.Fatalf("hub after the edge's reshard: %d shards, %d open, %v", len(hs.Shards), hs.OpenShards(), err)
	}
	resharded := time.Now()
	poll(t, "1200 records at the hub", func() bool { return count(readAll(t, he, name)) >= 1200 })
	t.Logf("records after the reshard at the hub %v after the sync", time.Since(resharded))
	sameRecords(t, readAll(t, edge.e, "orders"), readAll(t, he, name))

	st, err := he.MirrorStatus(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	// 1,200 records and the edge's reshard barrier: one sequence, no
	// record, not missed.
	if st.Records != 1200 || st.LastSequence != 1201 || st.Missed != 0 || st.Lag != 0 || st.LastContact < 0 || st.Error != "" ||
		!st.SourceReachable || st.SourceLastSequence != 1201 || st.Behind != 0 ||
		st.DefinitionRead.IsZero() || st.DefinitionError != "" || st.Domain != edgeDomain || st.Source != "orders" {
		t.Fatalf("status %+v", st)
	}

	// Read-only at the hub.
	_, err = he.PutRecords(ctx, name, []Record{{PartitionKey: "k", Data: []byte("x")}})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "read-only mirror of stream orders in JetStream domain edge1") {
		t.Fatalf("put at the hub: %v", err)
	}
	if err := he.UpdateShardCount(ctx, name, 8); !errors.Is(err, ErrInUse) {
		t.Fatalf("reshard at the hub: %v", err)
	}
	// The hub keeps records as long as it is told, independently.
	if err := he.SetRetention(ctx, name, 48, true); err != nil {
		t.Fatalf("retention at the hub: %v", err)
	}
}

// TestMirrorSourceProblems: a mirror of an unreachable domain or a stream
// the edge does not have is refused clearly; a source deleted at the edge
// is reported, the mirror keeps its records.
func TestMirrorSourceProblems(t *testing.T) {
	hub := hubtest.Start(t, edgeDomain)
	edge := startEdgeSite(t, hub, hub.LeafURL())
	poll(t, "the leaf connection", edge.srv.LeafConnected)
	he := openHubEngine(t, hub)
	ctx := context.Background()
	for _, c := range []struct {
		opts MirrorOptions
		kind error
		want string
	}{
		{MirrorOptions{Domain: "nowhere", Stream: "orders"}, ErrNotFound, "JetStream domain nowhere does not answer"},
		{MirrorOptions{Domain: edgeDomain, Stream: "absent"}, ErrNotFound, "Stream absent not found in JetStream domain edge1"},
		{MirrorOptions{Domain: "a.b", Stream: "orders"}, ErrValidation, "domain"},
	} {
		if _, err := he.CreateMirror(ctx, c.opts); !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %v %q", c.opts, err, c.kind, c.want)
		}
	}
	if err := edge.e.CreateStream(ctx, "orders", 1); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "orders", 0, 10)
	name := edgeDomain + ".orders"
	if _, err := he.CreateMirror(ctx, MirrorOptions{Domain: edgeDomain, Stream: "orders"}); err != nil {
		t.Fatal(err)
	}
	if _, err := he.CreateMirror(ctx, MirrorOptions{Domain: edgeDomain, Stream: "orders"}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second mirror of the name: %v", err)
	}
	poll(t, "10 records at the hub", func() bool { return count(readAll(t, he, name)) == 10 })
	if err := edge.e.DeleteStream(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if err := he.SyncMirrors(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := he.MirrorStatus(ctx, name)
	if err != nil || !st.SourceDeleted || st.Records != 10 {
		t.Fatalf("status after the source's delete: %+v %v", st, err)
	}
	if n := count(readAll(t, he, name)); n != 10 {
		t.Fatalf("the hub has %d records after the source's delete", n)
	}
	// A stream created again under the name is another stream: marked,
	// never taken for the old one.
	if err := edge.e.CreateStream(ctx, "orders", 3); err != nil {
		t.Fatal(err)
	}
	if err := he.SyncMirrors(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = he.MirrorStatus(ctx, name)
	if err != nil || !st.SourceReplaced || st.SourceDeleted {
		t.Fatalf("status after the source was created again: %+v %v", st, err)
	}
	if d, err := he.DescribeStream(ctx, name); err != nil || len(d.Shards) != 1 {
		t.Fatalf("the mirror took the new stream's shards: %v", err)
	}
	// A mirror is deleted as any stream.
	if err := he.DeleteStream(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := he.DescribeStream(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Fatalf("mirror after its delete: %v", err)
	}
}

// TestMirrorCountsWhatAgedOutAtTheEdge: records that leave the edge
// before the link returns never reach the hub, and the mirror's status
// counts them; the sequence numbers after them still match.
func TestMirrorCountsWhatAgedOutAtTheEdge(t *testing.T) {
	hub := hubtest.Start(t, edgeDomain)
	link := hub.Link()
	edge := startEdgeSite(t, hub, link.URL())
	poll(t, "the leaf connection", edge.srv.LeafConnected)
	he := openHubEngine(t, hub)
	ctx := context.Background()
	if err := edge.e.CreateStream(ctx, "orders", 1); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "orders", 0, 5)
	name := MirrorName(edgeDomain, "orders")
	if _, err := he.CreateMirror(ctx, MirrorOptions{Domain: edgeDomain, Stream: "orders"}); err != nil {
		t.Fatal(err)
	}
	poll(t, "5 records at the hub", func() bool { return count(readAll(t, he, name)) == 5 })
	link.Cut()
	poll(t, "the leaf connection down", func() bool { return !edge.srv.LeafConnected() })
	putRange(t, edge.e, "orders", 5, 10)
	// The edge loses them, as retention would (shortened here in
	// JetStream itself; Sluice's minimum is 24 hours).
	js := edge.e.js
	st, err := js.Stream(ctx, jsName("orders"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "orders", 15, 3)
	link.Restore()
	poll(t, "the records after the gap at the hub", func() bool { return count(readAll(t, he, name)) == 8 })
	sameRecords(t, readAll(t, edge.e, "orders"), map[string][]StoredRecord{ShardID(0): readAll(t, he, name)[ShardID(0)][5:]})
	ms, err := he.MirrorStatus(ctx, name)
	if err != nil || ms.Missed != 10 || ms.LastSequence != 18 || ms.Records != 8 {
		t.Fatalf("status %+v %v", ms, err)
	}
}

// TestMirrorsOfTwoEdges: two edges with a stream of the same name, one
// hub: each is mirrored under its domain's name, and neither's records
// reach the other's mirror.
func TestMirrorsOfTwoEdges(t *testing.T) {
	hub := hubtest.Start(t, "edge1", "edge2")
	ctx := context.Background()
	edges := map[string]*edgeSite{}
	for i, d := range []string{"edge1", "edge2"} {
		edges[d] = startEdgeIn(t, hub, hub.LeafURL(), d)
		if err := edges[d].e.CreateStream(ctx, "orders", 2); err != nil {
			t.Fatal(err)
		}
		putRange(t, edges[d].e, "orders", i*1000, 100*(i+1))
	}
	poll(t, "two leaf connections", func() bool {
		return hub.Server.NumLeafNodes() == 2 && edges["edge1"].srv.LeafConnected() && edges["edge2"].srv.LeafConnected()
	})
	he := openHubEngine(t, hub)
	for i, d := range []string{"edge1", "edge2"} {
		m, err := he.CreateMirror(ctx, MirrorOptions{Domain: d, Stream: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != d+".orders" {
			t.Fatalf("mirror name %s", m.Name)
		}
		want := 100 * (i + 1)
		poll(t, "the records of "+d, func() bool { return count(readAll(t, he, m.Name)) == want })
		sameRecords(t, readAll(t, edges[d].e, "orders"), readAll(t, he, m.Name))
	}
}

// TestMirrorOfAGroupedStream: a stream whose shards spread over several
// JetStream streams (shard groups) is mirrored part by part: the hub's
// mirror has the same parts, shards and sequence numbers, follows a
// reshard at the edge, and its status adds the parts up.
func TestMirrorOfAGroupedStream(t *testing.T) {
	hub := hubtest.Start(t, edgeDomain)
	edge := startEdgeSite(t, hub, hub.LeafURL())
	poll(t, "the leaf connection", edge.srv.LeafConnected)
	he := openHubEngine(t, hub)
	ctx := context.Background()
	if err := edge.e.CreateStreamWith(ctx, "wide", 2, CreateOptions{ShardGroups: 2}); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "wide", 0, 200)
	m, err := he.CreateMirror(ctx, MirrorOptions{Domain: edgeDomain, Stream: "wide"})
	if err != nil {
		t.Fatal(err)
	}
	name := edgeDomain + ".wide"
	if m.Groups != 2 {
		t.Fatalf("mirror of a 2-group stream has %d groups", m.Groups)
	}
	poll(t, "200 records at the hub", func() bool { return count(readAll(t, he, name)) == 200 })
	sameRecords(t, readAll(t, edge.e, "wide"), readAll(t, he, name))

	if err := edge.e.UpdateShardCount(ctx, "wide", 4); err != nil {
		t.Fatal(err)
	}
	putRange(t, edge.e, "wide", 200, 200)
	if err := he.SyncMirrors(ctx); err != nil {
		t.Fatal(err)
	}
	poll(t, "400 records at the hub", func() bool { return count(readAll(t, he, name)) == 400 })
	sameRecords(t, readAll(t, edge.e, "wide"), readAll(t, he, name))
	hs, _ := he.DescribeStream(ctx, name)
	checkLineage(t, hs)
	poll(t, "the status caught up", func() bool {
		st, err := he.MirrorStatus(ctx, name)
		return err == nil && st.Behind == 0 && st.SourceReachable
	})
	st, err := he.MirrorStatus(ctx, name)
	// 400 records and one barrier in each part; the parts' last
	// sequences add up.
	if err != nil || st.Records != 400 || st.LastSequence != 402 || st.SourceLastSequence != 402 || st.Missed != 0 || st.Error != "" {
		t.Fatalf("status %+v %v", st, err)
	}
}
