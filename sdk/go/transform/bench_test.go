package transform

import (
	"bytes"
	"fmt"
	"testing"
)

// benchInput returns an encoded batch of 500 records of size bytes, as the
// host's upper benchmark (transforms/bench_test.go) sends.
func benchInput(size int) []byte {
	const text = `{"level":"info","msg":"request served","path":"/api/v1/items?page=2","status":200,"ms":12.5,"host":"edge-node-04"} `
	b := testBatch{invocation: "bench", delivery: "arn:aws:firehose:us-east-1:123456789012:deliverystream/bench", region: "us-east-1"}
	for i := range 500 {
		data := make([]byte, size)
		for j := range data {
			data[j] = text[(i*7+j)%len(text)]
		}
		b.records = append(b.records, testRecord{id: fmt.Sprintf("%06d", i), ts: 1700000000000, data: data})
	}
	return b.encode()
}

// BenchmarkProcessUpper times the SDK's own work around a record function
// (decode, call, encode) natively, with bytes.ToUpper as the function, and
// the bare loop over bytes.ToUpper for comparison.
func BenchmarkProcessUpper(b *testing.B) {
	for _, size := range []int{100, 1024} {
		input := benchInput(size)
		h := handler{record: func(r Record) (Result, error) { return Ok(bytes.ToUpper(r.Data)), nil }}
		b.Run(fmt.Sprintf("%dB/sdk", size), func(b *testing.B) {
			var p processor
			b.ReportAllocs()
			for b.Loop() {
				if _, code := p.process(&h, input); code != 0 {
					b.Fatal(code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
		})
		b.Run(fmt.Sprintf("%dB/sdk-identity", size), func(b *testing.B) {
			var p processor
			h := handler{record: func(r Record) (Result, error) { return Ok(r.Data), nil }}
			b.ReportAllocs()
			for b.Loop() {
				if _, code := p.process(&h, input); code != 0 {
					b.Fatal(code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
		})
	}
}

// BenchmarkDecodeBatch and BenchmarkAppendResponse time the two halves of
// the SDK's codec alone (run them for wasip1 too: they dominate a Go
// guest's per-record cost when the function itself is cheap).
func BenchmarkDecodeBatch(b *testing.B) {
	input := benchInput(100)
	var batch Batch
	var meta []KinesisMetadata
	for b.Loop() {
		var err error
		if meta, err = decodeBatch(input, &batch, meta); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
}

func BenchmarkAppendResponse(b *testing.B) {
	var batch Batch
	if _, err := decodeBatch(benchInput(100), &batch, nil); err != nil {
		b.Fatal(err)
	}
	results := make([]Result, len(batch.Records))
	for i, r := range batch.Records {
		results[i] = Ok(r.Data)
	}
	var out []byte
	for b.Loop() {
		out = appendResponse(out[:0], batch.Records, results)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
}

// BenchmarkUpperAlone times the record function of BenchmarkProcessUpper
// alone, bytes.ToUpper over the batch's records, with no SDK around it:
// built for wasip1 it shows what the Go wasm port itself costs.
func BenchmarkUpperAlone(b *testing.B) {
	for _, size := range []int{100, 1024} {
		var batch Batch
		if _, err := decodeBatch(benchInput(size), &batch, nil); err != nil {
			b.Fatal(err)
		}
		out := make([][]byte, len(batch.Records))
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			for b.Loop() {
				for i, r := range batch.Records {
					out[i] = bytes.ToUpper(r.Data)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
		})
	}
}
