package runtime

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

func benchBatch(n, size int) *Batch {
	b := &Batch{InvocationID: "bench", DeliveryStreamARN: "arn:aws:firehose:us-east-1:1:deliverystream/b", Region: "us-east-1"}
	data := bytes.Repeat([]byte("x"), size)
	for i := range n {
		b.Records = append(b.Records, Record{RecordID: fmt.Sprintf("%08d", i), Data: data})
	}
	return b
}

// BenchmarkTransform: one batch of 500 records per op, through the C
// identity module (SDK ABI) and the Go WASI command.
func BenchmarkTransform(b *testing.B) {
	r, _ := newTestRuntime(b)
	for _, module := range []string{"c_identity", "wasi_upper"} {
		m := load(b, r, module, ModuleConfig{Limits: Limits{Instances: 1}})
		for _, size := range []int{100, 1024} {
			b.Run(fmt.Sprintf("%s/500x%dB", module, size), func(b *testing.B) {
				batch := benchBatch(500, size)
				b.SetBytes(int64(500 * size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Transform(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500), "ns/record")
			})
		}
	}
}

// BenchmarkPoolParallel: concurrent batches of 500x1KiB through a pool of
// GOMAXPROCS instances of the C identity module.
func BenchmarkPoolParallel(b *testing.B) {
	r, _ := newTestRuntime(b)
	m := load(b, r, "c_identity", ModuleConfig{})
	batch := benchBatch(500, 1024)
	b.SetBytes(500 * 1024)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Transform(context.Background(), batch); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500), "ns/record")
}

// BenchmarkLoad: a new Runtime loading the Go WASI module, compiling it
// (cold) or reading it from a warm on-disk compilation cache.
func BenchmarkLoad(b *testing.B) {
	wasm := wasmFile(b, "wasi_upper")
	ctx := context.Background()
	loadOnce := func(b *testing.B, opts ...Option) {
		r, err := New(ctx, opts...)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Load(ctx, Ref{Name: "u", Version: 1}, wasm, ModuleConfig{}); err != nil {
			b.Fatal(err)
		}
		_ = r.Close(ctx)
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			loadOnce(b)
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		loadOnce(b, WithCacheDir(dir))
		for b.Loop() {
			loadOnce(b, WithCacheDir(dir))
		}
	})
}

// BenchmarkDecodeResponse: decoding and validating the answer to a batch
// of 500 records answered in order, the host's side of every SDK call.
func BenchmarkDecodeResponse(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("500x%dB", size), func(b *testing.B) {
			batch := benchBatch(500, size)
			want := &Response{}
			for _, r := range batch.Records {
				want.Records = append(want.Records, Result{RecordID: r.RecordID, Data: r.Data})
			}
			buf := appendResponse(nil, want)
			var s indexScratch
			b.ReportAllocs()
			for b.Loop() {
				if err := s.reset(batch); err != nil {
					b.Fatal(err)
				}
				resp, err := decodeResponse(buf, &s)
				if err != nil {
					b.Fatal(err)
				}
				if err := validate(resp, &s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500), "ns/record")
		})
	}
}
