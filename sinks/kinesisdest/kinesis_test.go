package kinesisdest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/awsfront"
	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/kinesisdest"
)

const secret = "s3cr3t-never-shown"

// kinesisClient is a Client for stream on the front, with short backoffs.
func kinesisClient(t *testing.T, front *awsfront.Front, stream string) *kinesisdest.Client {
	t.Helper()
	c, err := kinesisdest.New(kinesisdest.Config{Kind: kinesisdest.Kinesis, Endpoint: front.URL(), Stream: stream,
		AccessKeyID: "AKIDFORWARD", SecretAccessKey: secret},
		kinesisdest.WithBackoff(10*time.Millisecond, 50*time.Millisecond), kinesisdest.WithCallTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func numbered(n int) []kinesisdest.Record {
	out := make([]kinesisdest.Record, n)
	for i := range out {
		out[i] = kinesisdest.Record{Data: fmt.Appendf(nil, `{"n":%d}`, i), PartitionKey: fmt.Sprintf("key-%d", i%7)}
	}
	return out
}

// checkAll fails t unless every record was accepted and is in the stream
// exactly once.
func checkAll(t *testing.T, results []error, err error, recs []kinesisdest.Record, got map[string]int) {
	t.Helper()
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	for i, e := range results {
		if e != nil {
			t.Fatalf("record %d: %v", i, e)
		}
	}
	for _, r := range recs {
		if n := got[string(r.Data)]; n != 1 {
			t.Fatalf("record %s is in the target %d times", r.Data, n)
		}
	}
	if len(got) != len(recs) {
		t.Fatalf("target holds %d distinct records, want %d", len(got), len(recs))
	}
}

func TestDeliverWithinCallLimits(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 3)
	front := awsfront.Start(t, target.URL)
	c := kinesisClient(t, front, "home")
	recs := numbered(1200)
	// A few large records: the 5 MiB bound splits calls before 500.
	for i := 0; i < 12; i++ {
		recs[i].Data = fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 900<<10))
	}
	results, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs})
	got := target.ReadAll("home")
	count := map[string]int{}
	for _, g := range got {
		count[g.Data]++
		var n int
		fmt.Sscanf(g.Data, `{"n":%d`, &n)
		if want := fmt.Sprintf("key-%d", n%7); g.PartitionKey != want {
			t.Fatalf("record %d has partition key %q, want %q", n, g.PartitionKey, want)
		}
	}
	checkAll(t, results, err, recs, count)
	for _, call := range front.Calls() {
		if call.Records > kinesisdest.MaxCallRecords {
			t.Fatalf("a call carried %d records", call.Records)
		}
		if !strings.Contains(call.Auth, "AKIDFORWARD") || strings.Contains(call.Auth, secret) {
			t.Fatalf("authorization %q: want a SigV4 signature by the access key, never the secret", call.Auth)
		}
	}
	if n := len(front.Calls()); n < 4 {
		t.Fatalf("%d calls for 1,200 records with 10 MiB among them; the limits ask for at least 4", n)
	}
}

func TestPartialFailuresRetryOnlyTheFailed(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 2)
	front := awsfront.Start(t, target.URL)
	c := kinesisClient(t, front, "home")
	// Every third record fails the first two times it is sent.
	var mu sync.Mutex
	seen := map[string]int{}
	front.FailRecords(func(_ string, data []byte) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		var n int
		fmt.Sscanf(string(data), `{"n":%d`, &n)
		seen[string(data)]++
		code := "ProvisionedThroughputExceededException"
		if n%2 == 0 {
			code = "InternalFailure"
		}
		return code, n%3 == 0 && seen[string(data)] <= 2
	})
	recs := numbered(600)
	var retries atomic.Int32
	results, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs, RetryFor: time.Minute,
		OnRetry: func(e *kinesisdest.CallError) { retries.Add(1) }})
	checkAll(t, results, err, recs, target.Count("home"))
	calls := front.Calls()
	// 600 records: two calls (500 + 100), then the 200 failed ones twice.
	want := []int{500, 100, 200, 200}
	if len(calls) != len(want) {
		t.Fatalf("calls %+v, want records per call %v", calls, want)
	}
	for i, c := range calls {
		if c.Records != want[i] {
			t.Fatalf("call %d carried %d records, want %d: only the failed records are sent again", i, c.Records, want[i])
		}
	}
	if retries.Load() != 2 {
		t.Fatalf("OnRetry told %d times, want 2", retries.Load())
	}
}

func TestThrottlingEndsAfterTheRetryDuration(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	front := awsfront.Start(t, target.URL)
	c := kinesisClient(t, front, "home")
	front.FailRecords(func(_ string, data []byte) (string, bool) {
		var n int
		fmt.Sscanf(string(data), `{"n":%d`, &n)
		return "ProvisionedThroughputExceededException", n%2 == 1
	})
	recs := numbered(20)
	results, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs, RetryFor: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	got := target.Count("home")
	for i, e := range results {
		var re *kinesisdest.RecordError
		switch {
		case i%2 == 0 && (e != nil || got[string(recs[i].Data)] != 1):
			t.Fatalf("record %d: %v, in the target %d times", i, e, got[string(recs[i].Data)])
		case i%2 == 1 && (!errors.As(e, &re) || !errors.Is(e, kinesisdest.ErrRetriesExhausted) || re.Code != "ProvisionedThroughputExceededException" || re.Attempts < 2):
			t.Fatalf("record %d: %v; want ProvisionedThroughputExceededException after the retry duration, with several attempts", i, e)
		case i%2 == 1 && got[string(recs[i].Data)] != 0:
			t.Fatalf("record %d refused but in the target", i)
		}
	}
}

func TestRefusalsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer *awsfront.Answer
		pick   string // a per-record code
		code   string
	}{
		{name: "not found", answer: &awsfront.Answer{Status: 400, Type: "ResourceNotFoundException", Msg: "Stream home under account 1 not found.", Times: -1}, code: "ResourceNotFoundException"},
		{name: "access denied", answer: &awsfront.Answer{Status: 400, Type: "AccessDeniedException", Msg: "not authorized to perform kinesis:PutRecords", Times: -1}, code: "AccessDeniedException"},
		{name: "validation", answer: &awsfront.Answer{Status: 400, Type: "ValidationException", Msg: "1 validation error", Times: -1}, code: "ValidationException"},
		{name: "per-record KMS", pick: "KMSAccessDeniedException", code: "KMSAccessDeniedException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := awsfront.StartTarget(t)
			target.CreateStream("home", 1)
			front := awsfront.Start(t, target.URL)
			c := kinesisClient(t, front, "home")
			if tc.answer != nil {
				front.AddAnswer(*tc.answer)
			} else {
				front.FailRecords(func(string, []byte) (string, bool) { return tc.pick, true })
			}
			recs := numbered(10)
			results, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs, RetryFor: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range results {
				var re *kinesisdest.RecordError
				if !errors.As(e, &re) || re.Code != tc.code || re.Attempts != 1 || re.Message == "" {
					t.Fatalf("record %d: %#v; want %s after one attempt, with a message", i, e, tc.code)
				}
			}
			if n := len(front.Calls()); n != 1 {
				t.Fatalf("%d calls: a refusal is not retried", n)
			}
		})
	}
}

func TestOutageIsWaitedOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(*awsfront.Front)
		heal func(*awsfront.Front)
	}{
		{"listener closed", (*awsfront.Front).Down, (*awsfront.Front).Up},
		{"503", func(f *awsfront.Front) {
			f.AddAnswer(awsfront.Answer{Status: 503, Type: "ServiceUnavailableException", Msg: "down for maintenance", Times: -1})
		}, (*awsfront.Front).ClearAnswers},
		{"500 without a type", func(f *awsfront.Front) {
			f.AddAnswer(awsfront.Answer{Status: 500, Times: -1})
		}, (*awsfront.Front).ClearAnswers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := awsfront.StartTarget(t)
			target.CreateStream("home", 2)
			front := awsfront.Start(t, target.URL)
			c := kinesisClient(t, front, "home")
			tc.fail(front)
			var failures atomic.Int32
			recs := numbered(50)
			type answer struct {
				results []error
				err     error
			}
			done := make(chan answer, 1)
			go func() {
				// A retry duration far shorter than the outage: an outage
				// is not throttling, and is waited out.
				r, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs, RetryFor: time.Millisecond,
					OnRetry: func(*kinesisdest.CallError) { failures.Add(1) }})
				done <- answer{r, err}
			}()
			deadline := time.Now().Add(time.Minute)
			for failures.Load() < 5 {
				select {
				case a := <-done:
					t.Fatalf("Deliver returned during the outage: %v, first result %v", a.err, a.results[0])
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("no failed attempts seen")
				}
				time.Sleep(10 * time.Millisecond)
			}
			tc.heal(front)
			a := <-done
			checkAll(t, a.results, a.err, recs, target.Count("home"))
		})
	}
}

func TestRecordsThatCanNeverBePut(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	front := awsfront.Start(t, target.URL)
	c := kinesisClient(t, front, "home")
	recs := []kinesisdest.Record{
		{Data: []byte("ok"), PartitionKey: "k"},
		{Data: make([]byte, kinesisdest.MaxKinesisRecordBytes), PartitionKey: "k"}, // with its key, over 1 MiB
		{Data: []byte("no key")},
		{Data: []byte("long key"), PartitionKey: strings.Repeat("é", 257)},
	}
	results, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "RecordTooLarge", "InvalidPartitionKey", "InvalidPartitionKey"}
	for i, e := range results {
		var re *kinesisdest.RecordError
		if (want[i] == "") != (e == nil) || (e != nil && (!errors.As(e, &re) || re.Code != want[i])) {
			t.Fatalf("record %d: %v, want %q", i, e, want[i])
		}
	}
	if got := target.Count("home"); len(got) != 1 || got["ok"] != 1 {
		t.Fatalf("target holds %v", got)
	}
}

func TestWaitStops(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	front := awsfront.Start(t, target.URL)
	front.Down()
	c := kinesisClient(t, front, "home")
	_, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: numbered(3),
		Wait: func(context.Context, time.Duration) bool { return false }})
	if !errors.Is(err, kinesisdest.ErrStopped) {
		t.Fatalf("err %v, want ErrStopped", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Deliver(ctx, kinesisdest.Batch{Records: numbered(3)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestProbe(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	front := awsfront.Start(t, target.URL)
	if err := kinesisClient(t, front, "home").Probe(context.Background()); err != nil {
		t.Fatalf("probe of a stream that exists: %v", err)
	}
	var pe *sinks.ProbeError
	err := kinesisClient(t, front, "nowhere").Probe(context.Background())
	if !errors.As(err, &pe) || !pe.Permanent || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("probe of a missing stream: %v; want a permanent ResourceNotFoundException", err)
	}
	front.AddAnswer(awsfront.Answer{Status: 400, Type: "AccessDeniedException", Msg: "no kinesis:DescribeStreamSummary", Times: 1})
	if err := kinesisClient(t, front, "home").Probe(context.Background()); !errors.As(err, &pe) || pe.Permanent {
		t.Fatalf("probe denied describe: %v; want a warning (the key may still put)", err)
	}
	front.Down()
	if err := kinesisClient(t, front, "home").Probe(context.Background()); !errors.As(err, &pe) || pe.Permanent {
		t.Fatalf("probe of a target that is down: %v; want a warning", err)
	}
}

func TestParseStream(t *testing.T) {
	for _, tc := range []struct {
		kind         kinesisdest.Kind
		in           string
		name, region string
		bad          bool
	}{
		{kind: kinesisdest.Kinesis, in: "orders", name: "orders"},
		{kind: kinesisdest.Kinesis, in: "arn:aws:kinesis:eu-west-1:123456789012:stream/orders", name: "orders", region: "eu-west-1"},
		{kind: kinesisdest.Firehose, in: "arn:aws:firehose:us-west-2:123456789012:deliverystream/logs", name: "logs", region: "us-west-2"},
		{kind: kinesisdest.Firehose, in: "arn:aws:kinesis:eu-west-1:123456789012:stream/orders", bad: true},
		{kind: kinesisdest.Kinesis, in: "", bad: true},
		{kind: kinesisdest.Kinesis, in: "bad name", bad: true},
		{kind: kinesisdest.Firehose, in: strings.Repeat("a", 65), bad: true},
	} {
		name, region, err := kinesisdest.ParseStream(tc.kind, tc.in)
		if (err != nil) != tc.bad || name != tc.name || region != tc.region {
			t.Errorf("ParseStream(%s, %q) = %q, %q, %v", tc.kind, tc.in, name, region, err)
		}
	}
}

// TestCallErrorSaysWhy: what OnRetry (and so a delivery stream's status)
// is told is short: the destination and the network's or the API's words.
func TestCallErrorSaysWhy(t *testing.T) {
	target := awsfront.StartTarget(t)
	target.CreateStream("home", 1)
	front := awsfront.Start(t, target.URL)
	c := kinesisClient(t, front, "home")
	for _, tc := range []struct {
		fail func()
		want string
	}{
		{front.Down, "kinesis stream home at " + front.URL() + ": no answer: "},
		{func() {
			front.Up()
			front.AddAnswer(awsfront.Answer{Status: 503, Type: "ServiceUnavailableException", Msg: "down for maintenance", Times: -1})
		}, "kinesis stream home at " + front.URL() + ": ServiceUnavailableException: down for maintenance"},
		{func() {
			front.ClearAnswers()
			front.AddAnswer(awsfront.Answer{Status: 502, Times: -1})
		}, "kinesis stream home at " + front.URL() + ": answered HTTP 502"},
	} {
		tc.fail()
		var got *kinesisdest.CallError
		_, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: numbered(1),
			OnRetry: func(e *kinesisdest.CallError) { got = e },
			Wait:    func(context.Context, time.Duration) bool { return false }})
		if !errors.Is(err, kinesisdest.ErrStopped) || got == nil || !strings.HasPrefix(got.Error(), tc.want) || strings.Contains(got.Error(), "operation error") {
			t.Fatalf("told %v (%v), want %q...", got, err, tc.want)
		}
	}
}
