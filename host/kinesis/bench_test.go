package kinesis

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// BenchmarkPutRecords measures PutRecords of 500 records through HTTP and
// the SDK, with concurrent producers (b.RunParallel, GOMAXPROCS×4 of them).
func BenchmarkPutRecords(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			e := start(b, "")
			e.createStream(b, "bench", 4)
			data := make([]byte, size)
			var records atomic.Int64
			var id atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := id.Add(1)
				in := &awskinesis.PutRecordsInput{StreamName: aws.String("bench")}
				for i := range 500 {
					in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("p%d-%d", p, i)), Data: data})
				}
				for pb.Next() {
					out, err := e.client.PutRecords(context.Background(), in)
					if err != nil {
						b.Error(err)
						return
					}
					records.Add(int64(500 - aws.ToInt32(out.FailedRecordCount)))
				}
			})
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(records.Load())/secs, "records/s")
			b.ReportMetric(float64(records.Load())*float64(size)/secs/1e6, "MB/s")
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
