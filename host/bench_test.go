package host

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

// BenchmarkPutRecordsSync measures what --sync always costs: PutRecords of
// 500 × 1 KiB records from concurrent producers through the whole server,
// with JetStream's default syncing and with an fsync before every
// acknowledgement.
func BenchmarkPutRecordsSync(b *testing.B) {
	for _, mode := range []string{"default", "always"} {
		b.Run("sync="+mode, func(b *testing.B) {
			_, kc := open(b, Config{SyncAlways: mode == "always"})
			putRecordsParallel(b, kc)
		})
	}
}

// BenchmarkClusterPutRecords measures what three copies cost: the load of
// BenchmarkPutRecordsSync through one host alone (R1) and through one host
// of three whose embedded servers form a cluster on loopback (R3, the
// cluster default), all on the same cores, so it shows the replication's
// cost, not a cluster's scaling.
func BenchmarkClusterPutRecords(b *testing.B) {
	// One server of each kind for every round b.Run makes: a cluster is
	// slow to form, and each round puts to a stream of its own.
	_, alone := open(b, Config{})
	_, kcs := openCluster(b, 3)
	b.Run("alone-R1", func(b *testing.B) { putRecordsParallel(b, alone) })
	b.Run("cluster-of-3-R3", func(b *testing.B) { putRecordsParallel(b, kcs[0]) })
	// The same stream with its 4 shards over 4 JetStream streams (shard
	// groups): alone, the cost of more streams on one server; on the
	// cluster, the leaders spread over the nodes (all on the same cores).
	b.Run("alone-R1-groups=4", func(b *testing.B) { putRecordsParallel(b, alone, groupsTag(4)) })
	b.Run("cluster-of-3-R3-groups=4", func(b *testing.B) { putRecordsParallel(b, kcs[0], groupsTag(4)) })
}

// groupsTag is the CreateStream tag that spreads a stream over n
// JetStream streams.
func groupsTag(n int) map[string]string {
	return map[string]string{streams.ShardGroupsTag: fmt.Sprint(n)}
}

// benchStreams numbers the streams putRecordsParallel creates.
var benchStreams atomic.Int64

// putRecordsParallel creates a stream of 4 shards and puts 500 × 1 KiB
// records a call from 4×GOMAXPROCS producers, reporting records/s.
func putRecordsParallel(b *testing.B, kc *kinesis.Client, tags ...map[string]string) {
	ctx := context.Background()
	stream := fmt.Sprintf("bench-%d", benchStreams.Add(1))
	in := &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(4)}
	if len(tags) > 0 {
		in.Tags = tags[0]
	}
	if _, err := kc.CreateStream(ctx, in); err != nil {
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
			out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: recs})
			if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
				b.Errorf("put: %v", err)
				return
			}
		}
	})
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N*len(recs))/secs, "records/s")
	b.ReportMetric(float64(b.N*len(recs)*len(data))/secs/1e6, "MB/s")
}

// BenchmarkSubscribePushLatency measures, through the whole server, the
// time from a PutRecord call to the record arriving at a SubscribeToShard
// subscriber (the Go SDK's event stream reader), one record at a time,
// over HTTP/1.1 and over HTTPS with HTTP/2, and reports the median and
// 99th percentile. AWS's figure for enhanced fan-out is about 70 ms.
func BenchmarkSubscribePushLatency(b *testing.B) {
	for _, proto := range []string{"http1", "h2-tls"} {
		b.Run(proto, func(b *testing.B) {
			var kc *kinesis.Client
			if proto == "http1" {
				_, kc = open(b, Config{})
			} else {
				ca, files := serverFiles(b)
				srv, err := Open(context.Background(), Config{DataDir: b.TempDir(), HTTPAddr: "127.0.0.1:0", TLS: files})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { srv.Close() })
				kc = kinesis.New(kinesis.Options{BaseEndpoint: aws.String(srv.HTTPURL()), Region: "us-east-1",
					Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
					HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
						tr.TLSClientConfig.RootCAs = ca.Pool()
					})})
			}
			arn := fanOut(b, kc, "push", 1)
			es, err := subscribeSDK(b, kc, arn, "shardId-000000000000")
			if err != nil {
				b.Fatal(err)
			}
			in := &kinesis.PutRecordInput{StreamName: aws.String("push"), PartitionKey: aws.String("k"), Data: make([]byte, 100)}
			// TRIM_HORIZON on an empty shard: the first event is empty.
			var lat []time.Duration
			for b.Loop() {
				begin := time.Now()
				if _, err := kc.PutRecord(context.Background(), in); err != nil {
					b.Fatal(err)
				}
				for got := 0; got == 0; {
					select {
					case ev, ok := <-es.Events():
						if !ok {
							b.Fatalf("subscription ended: %v", es.Err())
						}
						if e, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent); isEvent {
							got = len(e.Value.Records)
						}
					case <-time.After(hangLimit):
						b.Fatal("no record")
					}
				}
				lat = append(lat, time.Since(begin))
			}
			slices.Sort(lat)
			ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}
