package host

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/rest"
)

// clients returns Kinesis and Firehose clients for srv; maxAttempts 1
// turns the SDK's retries off.
func clients(srv *Server, maxAttempts int) (*kinesis.Client, *firehose.Client) {
	ep := aws.String("http://" + srv.HTTPAddr())
	creds := credentials.NewStaticCredentialsProvider("x", "x", "")
	return kinesis.New(kinesis.Options{BaseEndpoint: ep, Region: "us-east-1", Credentials: creds, RetryMaxAttempts: maxAttempts}),
		firehose.New(firehose.Options{BaseEndpoint: ep, Region: "us-east-1", Credentials: creds, RetryMaxAttempts: maxAttempts})
}

// busyCheck says what a busy answer must look like to the SDK.
func busyCheck(t *testing.T, what string, err error, typed any, throttle bool) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: served over the cap", what)
	}
	if !errors.As(err, typed) {
		t.Errorf("%s: %v, want %T", what, err, typed)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusServiceUnavailable {
		t.Errorf("%s: %v, want HTTP 503", what, err)
	}
	if !retry.NewStandard().IsErrorRetryable(err) {
		t.Errorf("%s: the SDK's standard retryer does not retry %v", what, err)
	}
	if got := retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary; got != throttle {
		t.Errorf("%s: the SDK counts it as throttling: %v, want %v", what, got, throttle)
	}
}

// TestRequestCap: with 2 requests in flight (the cap) and one waiting (the
// queue's size), every further request is answered busy at once in its
// protocol's shape, which the AWS SDK retries; probes still answer; and
// when a slot frees the waiting request is served.
func TestRequestCap(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{MaxInFlight: 2, MaxQueued: 1, QueueWait: hangLimit}})
	kc, fc := clients(srv, 1)
	ctx := context.Background()
	held := holdSlots(t, srv, 2)

	queued := make(chan error, 1)
	go func() {
		_, err := kc.ListStreams(ctx, &kinesis.ListStreamsInput{})
		queued <- err
	}()
	eventually(t, "one request queued", func() bool {
		return metric(t, srv, `sluice_http_requests_queued{class="api"}`) == 1
	})

	_, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
	busyCheck(t, "Kinesis PutRecord", err, new(*types.ProvisionedThroughputExceededException), true)
	_, err = kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)})
	busyCheck(t, "Kinesis CreateStream", err, new(*types.LimitExceededException), true)
	_, err = fc.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("d"), Record: &fhtypes.Record{Data: []byte("x")}})
	busyCheck(t, "Firehose PutRecord", err, new(*fhtypes.ServiceUnavailableException), false)

	if code, typ, body := rawPost(t, srv, "Other_20200101.Op", "{}"); code != 503 || typ != "ThrottlingException" {
		t.Errorf("unknown target: %d %s %s", code, typ, body)
	}
	code, body := get(t, "http://"+srv.HTTPAddr()+"/v1/modules")
	var eb rest.ErrorBody
	if code != 503 || json.Unmarshal([]byte(body), &eb) != nil || eb.Error.Code != rest.CodeUnavailable {
		t.Errorf("REST over the cap: %d %s", code, body)
	}
	if code, _ := get(t, "http://"+srv.HTTPAddr()+"/healthz"); code != 200 {
		t.Errorf("/healthz under a saturated API: %d", code)
	}
	if n := metric(t, srv, `sluice_http_requests_rejected_total{class="api"}`); n != 5 {
		t.Errorf("%v requests counted rejected, want 5", n)
	}
	select {
	case err := <-queued:
		t.Fatalf("the queued request ended while every slot was held: %v", err)
	default:
	}

	held[0].Close()
	select {
	case err := <-queued:
		if err != nil {
			t.Errorf("the queued request, once a slot freed: %v", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("the queued request was not served once a slot freed")
	}
}

// TestBusyAnswerIsRetried: a producer using the AWS SDK's default retryer
// rides out a busy server: its first attempt is answered busy, it backs
// off and retries, and succeeds once a slot frees.
func TestBusyAnswerIsRetried(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{MaxInFlight: 1, QueueWait: 10 * time.Millisecond}})
	kc, _ := clients(srv, 10)
	ctx := context.Background()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	held := holdSlots(t, srv, 1)
	done := make(chan error, 1)
	go func() {
		_, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
		done <- err
	}()
	eventually(t, "a busy answer", func() bool {
		return metric(t, srv, `sluice_http_requests_rejected_total{class="api"}`) >= 1
	})
	held[0].Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("PutRecord with retries: %v", err)
		}
	case <-time.After(hangLimit):
		t.Fatal("PutRecord did not finish")
	}
}
