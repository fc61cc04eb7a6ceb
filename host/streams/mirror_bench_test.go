package streams

import (
	"context"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/hubtest"
)

// BenchmarkMirrorCatchUp measures how a hub's mirror catches up after the
// edge's link was cut: 50,000 records of about 100 bytes are put on the
// edge (4 shards) with the link cut, the link stays down for at least
// the outage's length (short: less than JetStream's 10 s source health
// check; long: more), is restored, and it reports how long until the
// first of them is at the hub (resume-s) and the rate from then until the
// last (records/s). Each iteration is one outage.
func BenchmarkMirrorCatchUp(b *testing.B) {
	for _, c := range []struct {
		name string
		down time.Duration
	}{{"outage=short", 0}, {"outage=long", 20 * time.Second}} {
		b.Run(c.name, func(b *testing.B) { benchCatchUp(b, c.down) })
	}
}

func benchCatchUp(b *testing.B, down time.Duration) {
	const n = 50000
	hub := hubtest.Start(b, edgeDomain)
	link := hub.Link()
	edge := startEdgeSite(b, hub, link.URL())
	poll(b, "the leaf connection", edge.srv.LeafConnected)
	he := openHubEngine(b, hub)
	ctx := context.Background()
	if err := edge.e.CreateStream(ctx, "bench", 4); err != nil {
		b.Fatal(err)
	}
	name := MirrorName(edgeDomain, "bench")
	if _, err := he.CreateMirror(ctx, MirrorOptions{Domain: edgeDomain, Stream: "bench"}); err != nil {
		b.Fatal(err)
	}
	atHub := func() uint64 {
		st, err := he.js.Stream(ctx, jsName(name))
		if err != nil {
			return 0
		}
		return st.CachedInfo().State.Msgs
	}
	// The mirror in touch with the source first (its consumer set up).
	putRange(b, edge.e, "bench", 0, 1)
	poll(b, "the first record at the hub", func() bool { return atHub() == 1 })
	total := uint64(1)
	var resume, flow time.Duration
	iters := 0
	for b.Loop() {
		link.Cut()
		poll(b, "the leaf connection down", func() bool { return !edge.srv.LeafConnected() })
		cut := time.Now()
		putRange(b, edge.e, "bench", int(total), n)
		time.Sleep(down - time.Since(cut))
		before := total
		total += n
		restored := time.Now()
		link.Restore()
		poll(b, "the first record at the hub", func() bool { return atHub() > before })
		first := time.Now()
		poll(b, "every record at the hub", func() bool { return atHub() == total })
		resume += first.Sub(restored)
		flow += time.Since(first)
		iters++
	}
	b.ReportMetric(resume.Seconds()/float64(iters), "resume-s")
	b.ReportMetric(float64(n*iters)/flow.Seconds(), "records/s")
}
