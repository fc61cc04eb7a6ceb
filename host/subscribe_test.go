package host

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/auth"
)

// fanOut creates a stream of shards shards and registers consumer c, and
// returns the consumer's ARN once it is ACTIVE.
func fanOut(t testing.TB, kc *kinesis.Client, stream string, shards int32) string {
	t.Helper()
	ctx := context.Background()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	sum, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := kc.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{
		StreamARN: sum.StreamDescriptionSummary.StreamARN, ConsumerName: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "consumer ACTIVE", func() bool { // CREATING for streams.ConsumerTransition
		d, err := kc.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
		return err == nil && d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive
	})
	return *reg.Consumer.ConsumerARN
}

// subscribeSDK subscribes with the SDK from TRIM_HORIZON.
func subscribeSDK(t testing.TB, kc *kinesis.Client, arn, shard string) (*kinesis.SubscribeToShardEventStream, error) {
	t.Helper()
	out, err := kc.SubscribeToShard(context.Background(), &kinesis.SubscribeToShardInput{
		ConsumerARN: aws.String(arn), ShardId: aws.String(shard),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = out.GetStream().Close() })
	return out.GetStream(), nil
}

// drain reads a subscription to its end and returns the records' data
// and how the stream ended (nil: cleanly).
func drain(t *testing.T, es *kinesis.SubscribeToShardEventStream) ([]string, error) {
	t.Helper()
	var got []string
	for {
		select {
		case ev, ok := <-es.Events():
			if !ok {
				return got, es.Err()
			}
			if e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent); ok {
				for _, r := range e.Value.Records {
					got = append(got, string(r.Data))
				}
			}
		case <-time.After(hangLimit):
			t.Fatal("subscription did not end")
		}
	}
}

// TestSubscriptionOutlivesServerTimeouts: a subscription lasts its whole
// duration (4 s here) over HTTP/1.1 although the server's read and write
// timeouts are 1 s, delivers every record put meanwhile and ends cleanly
// (the handler extends its own deadlines).
func TestSubscriptionOutlivesServerTimeouts(t *testing.T) {
	const duration = 4 * time.Second
	srv, kc := open(t, Config{HTTP: HTTPLimits{ReadTimeout: time.Second, WriteTimeout: time.Second, SubscriptionDuration: duration}})
	arn := fanOut(t, kc, "s", 1)
	start := time.Now()
	es, err := subscribeSDK(t, kc, arn, "shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	go func() {
		for i := range 6 {
			time.Sleep(500 * time.Millisecond)
			d := fmt.Sprint(i)
			if _, err := kc.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte(d)}); err != nil {
				t.Error(err)
			}
		}
	}()
	for i := range 6 {
		want = append(want, fmt.Sprint(i))
	}
	got, err := drain(t, es)
	if err != nil {
		t.Fatalf("subscription ended with %v after %v", err, time.Since(start))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	if time.Since(start) < duration {
		t.Fatalf("ended after %v, before its duration", time.Since(start))
	}
	_ = srv
}

// TestSubscriptionsHaveTheirOwnLimiter: with room for one API request and
// two subscriptions, two subscriptions stay open while API requests are
// served, a third is refused at once with LimitExceededException (503,
// retried by the SDK), and is served once one closes.
func TestSubscriptionsHaveTheirOwnLimiter(t *testing.T) {
	srv, kc := open(t, Config{HTTP: HTTPLimits{MaxInFlight: 1, MaxQueued: 1, MaxSubscriptions: 2}})
	arn := fanOut(t, kc, "s", 3)
	// A client per subscription: the SDK's clients share one event
	// stream decoder between their subscriptions, unsafely
	// (aws/smithy-go#714).
	sdk := func() *kinesis.Client { kc, _ := clients(srv, 1); return kc }
	first, err := subscribeSDK(t, sdk(), arn, "shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subscribeSDK(t, sdk(), arn, "shardId-000000000001"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "two subscriptions open", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="subscriptions"}`) == 2
	})
	for range 3 {
		if _, err := kc.ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
			t.Fatalf("an API request beside the subscriptions: %v", err)
		}
	}
	_, err = subscribeSDK(t, sdk(), arn, "shardId-000000000002")
	var limit *types.LimitExceededException
	busyCheck(t, "third subscription", err, &limit, true)
	_ = first.Close()
	eventually(t, "a subscription slot free", func() bool {
		_, err := subscribeSDK(t, sdk(), arn, "shardId-000000000002")
		return err == nil
	})
}

// TestSubscribeOverTLS: the Go SDK subscribes over HTTPS, by HTTP/2,
// gets the records, and the subscription outlives the server's write
// timeout (1 s here: HTTP/2 would reset the stream) to end cleanly after
// its duration.
func TestSubscribeOverTLS(t *testing.T) {
	ca, files := serverFiles(t)
	srv, err := Open(context.Background(), Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", TLS: files,
		HTTP: HTTPLimits{WriteTimeout: time.Second, SubscriptionDuration: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rec := &protoRecorder{inner: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig.RootCAs = ca.Pool()
	})}
	kc := kinesis.New(kinesis.Options{BaseEndpoint: aws.String(srv.HTTPURL()), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), HTTPClient: rec})
	arn := fanOut(t, kc, "s", 1)
	es, err := subscribeSDK(t, kc, arn, "shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for _, d := range []string{"over", "h2"} {
			time.Sleep(time.Second)
			if _, err := kc.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte(d)}); err != nil {
				t.Error(err)
			}
		}
	}()
	got, err := drain(t, es)
	if err != nil || !slices.Equal(got, []string{"over", "h2"}) {
		t.Fatalf("records %v, ended with %v", got, err)
	}
	if p := rec.seen(); p["HTTP/2.0"] == 0 || len(p) != 1 {
		t.Errorf("answers came over %v, want HTTP/2.0 only", p)
	}
}

// TestSubscribePermissions: SubscribeToShard and the consumer operations
// are actions on the consumer's stream: a key allowed them on sensors-*
// subscribes to a consumer of sensors-1 and is refused one of secrets; a
// key that may only read (Get*, Describe*, List*) is refused.
func TestSubscribePermissions(t *testing.T) {
	fanKey := auth.Key{AccessKeyID: "AKIDFANOUT00000001", SecretAccessKey: "fanout-secret-0123456789", Name: "fanout",
		Permissions: []auth.Grant{{Actions: []string{"kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer", "kinesis:RegisterStreamConsumer"}, Resources: []string{"sensors-*"}}}}
	keys, err := auth.NewKeys(adminKey, readerKey, fanKey)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := open(t, Config{Security: SecurityConfig{Keys: keys}})
	admin := kinesisAs(srv, creds(adminKey), "us-east-1")
	mine, theirs := fanOut(t, admin, "sensors-1", 1), fanOut(t, admin, "secrets", 1)
	fan, reader := kinesisAs(srv, creds(fanKey), "us-east-1"), kinesisAs(srv, creds(readerKey), "us-east-1")
	if _, err := subscribeSDK(t, fan, mine, "shardId-000000000000"); err != nil {
		t.Fatalf("own stream's consumer: %v", err)
	}
	for _, c := range []struct {
		name string
		kc   *kinesis.Client
		arn  string
	}{{"other stream", fan, theirs}, {"read-only key", reader, mine}} {
		_, err := subscribeSDK(t, c.kc, c.arn, "shardId-000000000000")
		if code := apiCode(t, err); code != auth.CodeAccessDenied {
			t.Errorf("%s: %v, want %s", c.name, err, auth.CodeAccessDenied)
		}
	}
	if _, err := fan.DescribeStreamConsumer(context.Background(), &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(theirs)}); apiCode(t, err) != auth.CodeAccessDenied {
		t.Errorf("describe another stream's consumer: %v", err)
	}
	if _, err := fan.RegisterStreamConsumer(context.Background(), &kinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/secrets"), ConsumerName: aws.String("x")}); apiCode(t, err) != auth.CodeAccessDenied {
		t.Errorf("register on another stream: %v", err)
	}
}

// TestShutdownEndsSubscriptions: closing the server ends open
// subscriptions cleanly at once, so the HTTP server's shutdown does not
// wait them out (Close would report its grace period exceeded).
func TestShutdownEndsSubscriptions(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0"}
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	kc, _ := clients(srv, 1)
	arn := fanOut(t, kc, "s", 1)
	es, err := subscribeSDK(t, kc, arn, "shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "subscription open", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="subscriptions"}`) == 1
	})
	if err := srv.Close(); err != nil {
		t.Fatalf("close with a subscription open: %v", err)
	}
	if _, err := drain(t, es); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("subscription ended with %v", err)
	}
}
