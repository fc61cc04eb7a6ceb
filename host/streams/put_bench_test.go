package streams

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

// withHistory gives stream name a history of closed shards, so that it has
// total shards of which the last open ones still take records, as if it had
// been resharded total-open times (recently: nothing is past retention).
func withHistory(tb testing.TB, e *Engine, name string, total, open int) {
	tb.Helper()
	ctx := context.Background()
	if err := e.CreateStream(ctx, name, open); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.update(ctx, name, func(s *Stream) error {
		now := e.now().UTC()
		var shards []Shard
		for i := range total - open {
			shards = append(shards, Shard{ID: ShardID(i), StartingHashKey: "0", EndingHashKey: MaxHashKey.String(),
				StartingSequence: 1, EndingSequence: 0, Closed: true, CreatedAt: now, ClosedAt: now})
		}
		for i, r := range SplitHashRange(open) {
			shards = append(shards, Shard{ID: ShardID(total - open + i), StartingHashKey: r.Start.String(), EndingHashKey: r.End.String(),
				StartingSequence: 1, CreatedAt: now})
		}
		s.Shards = shards
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	// The JetStream stream takes the open shards' subjects (fence.go).
	s, _, err := e.fetch(ctx, name)
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.setSubjects(ctx, name, 0, openSubjects(s, 0)); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkPutHistory measures PutRecord of one record and PutRecords of
// 100 records of 100 bytes to a stream of 4 open shards with 4, 1,000 and
// 10,000 shards in its history: the cost per call must not grow with the
// history.
func BenchmarkPutHistory(b *testing.B) {
	for _, c := range []struct {
		op    string
		total int
		n     int
	}{
		{"PutRecord", 4, 1}, {"PutRecord", 1000, 1}, {"PutRecord", 10000, 1},
		{"PutRecords", 4, 100}, {"PutRecords", 1000, 100}, {"PutRecords", 10000, 100},
	} {
		total := c.total
		b.Run(fmt.Sprintf("%s/shards=%d", c.op, total), func(b *testing.B) {
			srv := jstest.Start(b, "")
			e, err := Open(context.Background(), srv.Conn, Config{MaxShards: 20000, ScaleInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = e.Close() })
			withHistory(b, e, "hist", total, 4)
			recs := make([]Record, c.n)
			for i := range recs {
				recs[i] = Record{Data: make([]byte, 100), PartitionKey: fmt.Sprintf("k%d", i)}
			}
			ctx := context.Background()
			start := time.Now()
			for b.Loop() {
				res, err := e.PutRecords(ctx, "hist", recs)
				if err != nil {
					b.Fatal(err)
				}
				if res[0].Err != nil {
					b.Fatal(res[0].Err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N)/float64(len(recs)), "ns/record")
		})
	}
}
