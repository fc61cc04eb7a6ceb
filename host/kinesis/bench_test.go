package kinesis

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/kinesalite"
)

// BenchmarkPutRecords measures PutRecords of 500 records through HTTP and
// the SDK, with concurrent producers (b.RunParallel, GOMAXPROCS×4 of them),
// into a stream of 4 shards. It reports records/s, CPU per record (client
// and server: they share the process) and each call's latency at the
// median and the 99th percentile under that load.
func BenchmarkPutRecords(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			e := start(b, "")
			e.createStream(b, "bench", 4)
			putRecordsLoad(b, e.client, "bench", size)
		})
	}
}

// BenchmarkPutRecordsKinesalite is BenchmarkPutRecords against kinesalite
// (in memory), the Node.js emulator, as a second anchor; it is skipped
// unless `make bench` installed kinesalite.
func BenchmarkPutRecordsKinesalite(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			c := awskinesis.New(awskinesis.Options{
				Region:           "us-east-1",
				Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
				BaseEndpoint:     aws.String(kinesalite.Start(b)),
				RetryMaxAttempts: 1,
			})
			if _, err := c.CreateStream(context.Background(), &awskinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
				b.Fatal(err)
			}
			putRecordsLoad(b, c, "bench", size)
		})
	}
}

// putRecordsLoad runs BenchmarkPutRecords' load against stream through c.
func putRecordsLoad(b *testing.B, c *awskinesis.Client, stream string, size int) {
	data := make([]byte, size)
	var records atomic.Int64
	var id atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(4)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		p := id.Add(1)
		in := &awskinesis.PutRecordsInput{StreamName: aws.String(stream)}
		for i := range 500 {
			in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("p%d-%d", p, i)), Data: data})
		}
		var mine []time.Duration
		for pb.Next() {
			begin := time.Now()
			out, err := c.PutRecords(context.Background(), in)
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(begin))
			records.Add(int64(500 - aws.ToInt32(out.FailedRecordCount)))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(records.Load())/secs, "records/s")
	b.ReportMetric(float64(records.Load())*float64(size)/secs/1e6, "MB/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(records.Load()), "cpu-µs/record")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(quantileMS(lat, 0.5), "p50-ms")
		b.ReportMetric(quantileMS(lat, 0.99), "p99-ms")
	}
}

// quantileMS is the q quantile of sorted durations, in milliseconds.
func quantileMS(d []time.Duration, q float64) float64 {
	return float64(d[int(q*float64(len(d)-1))]) / float64(time.Millisecond)
}

// BenchmarkRawPublish is the anchor BenchmarkPutRecords is measured
// against: raw JetStream async publish, with no HTTP, JSON or Kinesis in
// between, on the same kind of embedded server, with as many producers,
// each publishing 500 messages and then waiting for their 500
// acknowledgements (as a PutRecords does), to 4 subjects of one file
// stream (as 4 shards). Report PutRecords as a ratio of it, measured in
// the same run.
func BenchmarkRawPublish(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			e := start(b, "")
			ctx := context.Background()
			if _, err := e.js.JS.CreateStream(ctx, jetstream.StreamConfig{
				Name: "raw", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage, AllowDirect: true,
			}); err != nil {
				b.Fatal(err)
			}
			data := make([]byte, size)
			var records atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			cpu0 := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				js, err := jetstream.New(e.js.Conn)
				if err != nil {
					b.Error(err)
					return
				}
				futures := make([]jetstream.PubAckFuture, 500)
				subjects := [4]string{"raw.0", "raw.1", "raw.2", "raw.3"}
				for pb.Next() {
					for i := range futures {
						msg := &nats.Msg{Subject: subjects[i%4], Data: data}
						if futures[i], err = js.PublishMsgAsync(msg); err != nil {
							b.Error(err)
							return
						}
					}
					for _, f := range futures {
						select {
						case <-f.Ok():
							records.Add(1)
						case err := <-f.Err():
							b.Error(err)
							return
						}
					}
				}
			})
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(records.Load())/secs, "records/s")
			b.ReportMetric(float64(records.Load())*float64(size)/secs/1e6, "MB/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(records.Load()), "cpu-µs/record")
		})
	}
}

// BenchmarkGetRecords measures reading a shard of 20,000 1 KiB records
// from TRIM_HORIZON with GetRecords (Limit 10,000) through HTTP.
func BenchmarkGetRecords(b *testing.B) {
	const total, size = 20000, 1024
	e := start(b, "")
	e.createStream(b, "read", 1)
	data := make([]byte, size)
	for n := 0; n < total; n += 500 {
		in := &awskinesis.PutRecordsInput{StreamName: aws.String("read")}
		for i := range 500 {
			in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: data})
		}
		if _, err := e.client.PutRecords(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	var records int64
	b.ResetTimer()
	for b.Loop() {
		got := len(e.readAll(b, e.iterator(b, "read", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil), 0))
		if got != total {
			b.Fatalf("read %d of %d", got, total)
		}
		records += int64(got)
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(records)/secs, "records/s")
	b.ReportMetric(float64(records)*size/secs/1e6, "MB/s")
}

// BenchmarkSubscribePushLatency measures the time from a PutRecord call
// (through HTTP and the SDK) to the record arriving at a SubscribeToShard
// subscriber (the SDK's event stream reader, over HTTP/1.1), one record
// at a time, and reports its median and 99th percentile (and, for
// comparison, the median of PutRecord's own answer). AWS's figure for
// enhanced fan-out is about 70 ms.
func BenchmarkSubscribePushLatency(b *testing.B) {
	e := start(b, "")
	e.createStream(b, "push", 1)
	sub := e.subscribe(b, e.register(b, "push", "c"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	if _, err := sub.next(waitEvent); err != nil { // the first, empty event
		b.Fatal(err)
	}
	in := &awskinesis.PutRecordInput{StreamName: aws.String("push"), PartitionKey: aws.String("k"), Data: make([]byte, 100)}
	var lat, put []time.Duration
	b.ResetTimer()
	for b.Loop() {
		begin := time.Now()
		if _, err := e.client.PutRecord(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		put = append(put, time.Since(begin))
		for got := 0; got == 0; {
			ev, err := sub.next(waitEvent)
			if err != nil {
				b.Fatal(err)
			}
			got = len(ev.Records)
		}
		lat = append(lat, time.Since(begin))
	}
	slices.Sort(lat)
	slices.Sort(put)
	b.ReportMetric(quantileMS(lat, 0.5), "p50-ms")
	b.ReportMetric(quantileMS(lat, 0.99), "p99-ms")
	b.ReportMetric(quantileMS(put, 0.5), "put-p50-ms")
	b.ReportMetric(0, "ns/op")
}
