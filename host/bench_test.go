package host

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// BenchmarkPutRecordsSync measures what --sync always costs: PutRecords of
// 500 × 1 KiB records from concurrent producers through the whole server,
// with JetStream's default syncing and with an fsync before every
// acknowledgement.
func BenchmarkPutRecordsSync(b *testing.B) {
	for _, mode := range []string{"default", "always"} {
		b.Run("sync="+mode, func(b *testing.B) {
			_, kc := open(b, Config{SyncAlways: mode == "always"})
			ctx := context.Background()
			if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
				b.Fatal(err)
			}
			data := make([]byte, 1024)
			recs := make([]types.PutRecordsRequestEntry, 500)
			for i := range recs {
				recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: data}
			}
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
					if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
						b.Errorf("put: %v", err)
						return
					}
				}
			})
			secs := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N*len(recs))/secs, "records/s")
			b.ReportMetric(float64(b.N*len(recs)*len(data))/secs/1e6, "MB/s")
		})
	}
}
