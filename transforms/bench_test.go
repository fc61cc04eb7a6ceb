package transforms

import (
	"bytes"
	"context"
	"fmt"
	goruntime "runtime"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

// The figures: batches of 500 records of 100 B and of 1 KiB.
const benchBatchRecords = 500

var benchSizes = []int{100, 1024}

// benchText is what benchmark records are cut from: lower-case ASCII, as a
// log line would be, so upper-casing changes most bytes.
const benchText = `{"level":"info","msg":"request served","path":"/api/v1/items?page=2","status":200,"ms":12.5,"host":"edge-node-04"} `

// benchRecord returns the data of record i of a benchmark batch: size
// bytes of benchText, starting at a different place for each record.
func benchRecord(size, i int) []byte {
	out := make([]byte, size)
	for j := range out {
		out[j] = benchText[(i*7+j)%len(benchText)]
	}
	return out
}

// benchBatch returns a batch of benchBatchRecords records of size bytes.
func benchBatch(size int) *runtime.Batch {
	b := &runtime.Batch{InvocationID: "bench", DeliveryStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/bench", Region: "us-east-1"}
	for i := range benchBatchRecords {
		b.Records = append(b.Records, runtime.Record{RecordID: fmt.Sprintf("%06d", i), ArrivalTime: baseArrival, Data: benchRecord(size, i)})
	}
	return b
}

// reportPerRecord reports ns/record and records/s for b.N batches of
// benchBatchRecords records.
func reportPerRecord(b *testing.B) {
	records := float64(b.N) * benchBatchRecords
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/records, "ns/record")
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
}

// checkUpper fails b unless resp upper-cases every record of batch.
func checkUpper(b *testing.B, batch *runtime.Batch, resp *runtime.Response) {
	b.Helper()
	if len(resp.Records) != len(batch.Records) {
		b.Fatalf("%d answers for %d records", len(resp.Records), len(batch.Records))
	}
	byID := make(map[string]runtime.Result, len(resp.Records))
	for _, res := range resp.Records {
		byID[res.RecordID] = res
	}
	for _, in := range batch.Records {
		res, ok := byID[in.RecordID]
		if !ok || res.Status != runtime.StatusOk || !bytes.Equal(res.Data, bytes.ToUpper(in.Data)) {
			b.Fatalf("record %s: answered %t, %v %q, want Ok %q", in.RecordID, ok, res.Status, res.Data, bytes.ToUpper(in.Data))
		}
	}
}

// BenchmarkUpper times one batch per op through each build of the upper
// transform on a single warm instance (a fresh one per batch for the WASI
// command, as the runtime always does), against bytes.ToUpper natively.
func BenchmarkUpper(b *testing.B) {
	r := newRuntime(b)
	for _, size := range benchSizes {
		batch := benchBatch(size)
		b.Run(fmt.Sprintf("%dB/native-go", size), func(b *testing.B) {
			out := make([][]byte, len(batch.Records))
			b.SetBytes(int64(size * benchBatchRecords))
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch.Records {
					out[i] = bytes.ToUpper(batch.Records[i].Data)
				}
			}
			reportPerRecord(b)
		})
		for _, u := range upperModules {
			b.Run(fmt.Sprintf("%dB/%s", size, u.lang), func(b *testing.B) {
				m := load(b, r, "upper-"+u.lang, u.path, runtime.ModuleConfig{Limits: runtime.Limits{Instances: 1}})
				resp, err := m.Transform(context.Background(), batch) // warms the instance
				if err != nil {
					b.Fatal(err)
				}
				checkUpper(b, batch, resp)
				b.SetBytes(int64(size * benchBatchRecords))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Transform(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				reportPerRecord(b)
			})
		}
	}
}

// BenchmarkUpperParallel runs concurrent batches of 500 x 1 KiB through a
// pool of GOMAXPROCS instances of the C and Go SDK modules.
func BenchmarkUpperParallel(b *testing.B) {
	r := newRuntime(b)
	const size = 1024
	batch := benchBatch(size)
	for _, u := range upperModules {
		if u.lang != "c" && u.lang != "go" {
			continue
		}
		b.Run(fmt.Sprintf("%dB/%s", size, u.lang), func(b *testing.B) {
			procs := goruntime.GOMAXPROCS(0)
			m := load(b, r, "upper-"+u.lang, u.path, runtime.ModuleConfig{Limits: runtime.Limits{Instances: procs}})
			warmPool(b, m, batch, procs)
			b.SetBytes(int64(size * benchBatchRecords))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.Transform(context.Background(), batch); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportPerRecord(b)
		})
	}
}

// warmPool runs n batches at once, so the pool holds n instances before
// timing starts, and checks their answers.
func warmPool(b *testing.B, m *runtime.Module, batch *runtime.Batch, n int) {
	b.Helper()
	var wg sync.WaitGroup
	resps := make([]*runtime.Response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { resps[i], errs[i] = m.Transform(context.Background(), batch) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		checkUpper(b, batch, resps[i])
	}
}
