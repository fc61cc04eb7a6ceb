package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
)

// clock is a settable test clock: real time plus an offset, or, when
// frozen is set, frozen plus the offset.
type clock struct {
	mu     sync.Mutex
	off    time.Duration
	frozen time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen.Add(c.off)
	}
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// env is a Kinesis endpoint on a real JetStream server, over real HTTP.
type env struct {
	js     *jstest.Server
	engine *streams.Engine
	http   *httptest.Server
	client *awskinesis.Client
	clock  *clock
}

// start serves the Kinesis API on a JetStream server on dir ("" for a
// temporary one).
func start(t testing.TB, dir string) *env {
	t.Helper()
	return startWith(t, dir, &clock{}, streams.Config{})
}

// startWith is start with a given clock and engine configuration (Region,
// AccountID and Now are set here) and the API's options.
func startWith(t testing.TB, dir string, clk *clock, cfg streams.Config, opts ...Option) *env {
	t.Helper()
	js := jstest.Start(t, dir)
	cfg.Region, cfg.AccountID, cfg.Now = "us-east-1", "123456789012", clk.Now
	eng, err := streams.Open(context.Background(), js.Conn, cfg)
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	mux := awsjson.NewMux(nil, awsjson.WithMaxBodyBytes(MaxRequestBytes))
	Register(mux, eng, opts...)
	srv := httptest.NewServer(mux)
	client := awskinesis.New(awskinesis.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
	e := &env{js: js, engine: eng, http: srv, client: client, clock: clk}
	t.Cleanup(e.stop)
	return e
}

// stop closes the HTTP server, the engine and the JetStream server.
func (e *env) stop() {
	if e.http == nil {
		return
	}
	e.http.Close()
	_ = e.engine.Close()
	e.js.Stop()
	e.http = nil
}

func (e *env) createStream(t testing.TB, name string, shards int32) {
	t.Helper()
	if _, err := e.client.CreateStream(context.Background(), &awskinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

// raw posts a body to the endpoint with a target and returns status and body.
func (e *env) raw(t testing.TB, target string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out, resp.Header
}

// errorCode is the AWS error code of err ("" if it is not an API error).
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// shardsOf lists a stream's shards.
func (e *env) shardsOf(t testing.TB, name string) []types.Shard {
	t.Helper()
	out, err := e.client.ListShards(context.Background(), &awskinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Shards
}

// readAll reads a shard from an iterator until caught up.
func (e *env) readAll(t testing.TB, iter string, limit int32) []types.Record {
	t.Helper()
	var out []types.Record
	for {
		in := &awskinesis.GetRecordsInput{ShardIterator: aws.String(iter)}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		res, err := e.client.GetRecords(context.Background(), in)
		if err != nil {
			t.Fatalf("get records: %v", err)
		}
		out = append(out, res.Records...)
		if res.NextShardIterator == nil {
			t.Fatal("open shard returned no next iterator")
		}
		iter = *res.NextShardIterator
		if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
			return out
		}
	}
}

func (e *env) iterator(t testing.TB, name, shard string, typ types.ShardIteratorType, seq *string, ts *time.Time) string {
	t.Helper()
	out, err := e.client.GetShardIterator(context.Background(), &awskinesis.GetShardIteratorInput{
		StreamName: aws.String(name), ShardId: aws.String(shard), ShardIteratorType: typ,
		StartingSequenceNumber: seq, Timestamp: ts,
	})
	if err != nil {
		t.Fatalf("get shard iterator %s: %v", typ, err)
	}
	return *out.ShardIterator
}
