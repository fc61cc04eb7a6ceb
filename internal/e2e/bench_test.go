package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

// benchPipeline starts a server with a direct-put delivery stream to
// Parquet (zstd) in a folder, with the given processor (nil: none) and
// schema, and delivers one record through it so that the module is
// compiled and loaded before the clock starts. It returns the endpoint
// and the folder.
func benchPipeline(b *testing.B, name string, proc *delivery.Processor, spec format.Spec) (string, string) {
	b.Helper()
	ep := startHost(b)
	pushModule(b, ep, "project", projectWasm)
	pushModule(b, ep, "partition", partitionWasm)
	out := filepath.Join(b.TempDir(), "out")
	applyDefinition(b, ep, delivery.Definition{
		Name:        name,
		Source:      delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering:   buffering(),
		Processor:   proc,
		Format:      spec,
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: out}},
	})
	warm := makeRecords(1, 1, 0)
	putAll(b, directSender(firehoseClient(ep), name), warm)
	waitDelivered(b, ep, name, lastSeq(warm))
	return ep, out
}

// BenchmarkDirectPutToParquet measures end-to-end throughput: b.N records
// put with PutRecordBatch (500 a batch) over HTTP, through the transform,
// into Parquet with zstd in a folder, until the last one is durably
// delivered. The clock includes the last partial batch's wait for the
// 1 s buffering interval, so use a large -benchtime, e.g. 50000x.
func BenchmarkDirectPutToParquet(b *testing.B) {
	cases := []struct {
		name string
		proc func() *delivery.Processor
		spec func() format.Spec
	}{
		{"transform=none", func() *delivery.Processor { return nil }, partitionFormat},
		{"transform=project-go", projectProcessor, projectFormat},
		{"transform=partition-assemblyscript", partitionProcessor, partitionFormat},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ep, _ := benchPipeline(b, "bench", c.proc(), c.spec())
			recs := makeRecords(b.N, 32, 0)
			size := 0
			for _, r := range recs {
				size += len(r.data)
			}
			b.SetBytes(int64(size / len(recs)))
			send := directSender(firehoseClient(ep), "bench")
			b.ResetTimer()
			start := time.Now()
			putAll(b, send, recs)
			waitDelivered(b, ep, "bench", lastSeq(recs))
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
		})
	}
}

// BenchmarkPutToVisible measures the time from a PutRecord's answer to
// its object being visible in the folder, one record at a time, with no
// transform and through the project transform, with zero buffering (IntervalSeconds 0: delivered
// within moments) and with a 1 s buffering interval (so about 1 s plus
// the transform, the encoding and the write). It reports the median, the
// 99th percentile and the largest latency. An iteration of interval=1s
// takes about a second: use a small -benchtime, e.g. 5x.
func BenchmarkPutToVisible(b *testing.B) {
	for _, c := range []struct {
		interval  int
		transform bool
	}{{0, false}, {0, true}, {1, true}} {
		name := fmt.Sprintf("interval=%ds/transform=none", c.interval)
		if c.transform {
			name = fmt.Sprintf("interval=%ds/transform=project-go", c.interval)
		}
		b.Run(name, func(b *testing.B) { putToVisible(b, c.interval, c.transform) })
	}
}

func putToVisible(b *testing.B, interval int, transform bool) {
	ep := startHost(b)
	def := delivery.Definition{
		Name:        "latency",
		Source:      delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering:   delivery.Buffering{SizeMiB: 4, IntervalSeconds: intp(interval)},
		Format:      partitionFormat(),
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: filepath.Join(b.TempDir(), "out")}},
	}
	if transform {
		pushModule(b, ep, "project", projectWasm)
		def.Processor, def.Format = projectProcessor(), projectFormat()
	}
	applyDefinition(b, ep, def)
	out := def.Destination.Folder.Path
	c := firehoseClient(ep)
	recs := makeRecords(b.N+1, 1, 0)
	have := len(folderObjects(b, out))
	var lat []time.Duration
	b.ResetTimer()
	for i, r := range recs {
		_, err := c.PutRecord(context.Background(), &firehose.PutRecordInput{
			DeliveryStreamName: aws.String("latency"), Record: &fhtypes.Record{Data: r.data}})
		mustf(b, err, "PutRecord")
		put := time.Now()
		deadline := put.Add(waitLimit)
		for len(folderObjects(b, out)) == have {
			if time.Now().After(deadline) {
				b.Fatal("the record's object never appeared")
			}
			time.Sleep(200 * time.Microsecond)
		}
		if i > 0 { // the first loads the module
			lat = append(lat, time.Since(put))
		}
		have++
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "ms-p50")
	b.ReportMetric(q(0.99), "ms-p99")
	b.ReportMetric(q(1), "ms-max")
	b.ReportMetric(0, "ns/op")
}
