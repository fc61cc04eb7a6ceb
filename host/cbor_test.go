package host

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/fxamacker/cbor/v2"

	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/awscbor"
	"github.com/sluice-io/sluice/host/streams"
)

// cborCall sends a CBOR request to the Kinesis API, signed with k (or
// unsigned when k is nil), and returns the status and the decoded
// answer; it fails unless the answer is CBOR.
func cborCall(t *testing.T, srv *Server, op string, body any, k *auth.Key, hdr ...string) (int, map[string]any) {
	t.Helper()
	data, err := cbor.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if raw, ok := body.([]byte); ok {
		data = raw
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("Content-Type", awscbor.ContentType)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if k != nil {
		if err := auth.Sign(context.Background(), req, data, aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, auth.ServiceKinesis, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != awscbor.ContentType {
		t.Fatalf("%s: answer %d in %q, not CBOR: %q", op, resp.StatusCode, ct, b)
	}
	var out map[string]any
	if err := cbor.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: answer %d is not a CBOR map: %v: %x", op, resp.StatusCode, err, b)
	}
	if resp.StatusCode != http.StatusOK && resp.Header.Get("X-Amzn-ErrorType") != out["__type"] {
		t.Errorf("%s: X-Amzn-ErrorType %q, body's __type %v", op, resp.Header.Get("X-Amzn-ErrorType"), out["__type"])
	}
	return resp.StatusCode, out
}

// TestCBORPermissions: host/auth reads the names a CBOR request acts on
// (StreamName, and the stream of a GetRecords iterator) as the operation
// decodes them, so a key limited to some streams may act on those over
// CBOR and on no other; a CBOR body naming a stream twice names no
// stream; and every refusal, from the signature check to the browser
// guard, answers in CBOR.
func TestCBORPermissions(t *testing.T) {
	sensorReader := auth.Key{AccessKeyID: "AKIDSENSORREADER01", SecretAccessKey: "sensor-reader-secret-0123", Name: "sensor-reader",
		Permissions: []auth.Grant{{Actions: []string{"kinesis:GetRecords", "kinesis:GetShardIterator"}, Resources: []string{"sensors-*"}}}}
	srv := openSecure(t, func(c *Config) {
		keys, err := auth.NewKeys(adminKey, producerKey, sensorReader)
		if err != nil {
			t.Fatal(err)
		}
		c.Security.Keys = keys
	})
	ctx := context.Background()
	for _, name := range []string{"sensors-1", "secrets"} {
		if err := srv.streams.CreateStream(ctx, name, 1); err != nil {
			t.Fatal(err)
		}
	}
	iterator := func(stream string) string {
		it, err := srv.streams.GetShardIterator(ctx, stream, "shardId-000000000000", streams.IteratorRequest{Type: "TRIM_HORIZON"})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	put := func(stream string) map[string]any {
		return map[string]any{"StreamName": stream, "PartitionKey": "k", "Data": []byte{0, 1, 2}}
	}
	// {"StreamName": "sensors-1", "StreamName": "secrets", "PartitionKey": "k", "Data": h'00'}
	twice := append(append(append(awscbor.AppendMapHead(nil, 4),
		awscbor.AppendText(awscbor.AppendText(nil, "StreamName"), "sensors-1")...),
		awscbor.AppendText(awscbor.AppendText(nil, "StreamName"), "secrets")...),
		append(awscbor.AppendText(awscbor.AppendText(nil, "PartitionKey"), "k"), awscbor.AppendBytesHead(awscbor.AppendText(nil, "Data"), 1)...)...)
	twice = append(twice, 0)

	for _, c := range []struct {
		name   string
		op     string
		body   any
		key    *auth.Key
		hdr    []string
		status int
		typ    string // "" for success
	}{
		{"producer puts to its stream", "PutRecord", put("sensors-1"), &producerKey, nil, 200, ""},
		{"producer puts to another", "PutRecord", put("secrets"), &producerKey, nil, 400, auth.CodeAccessDenied},
		{"producer names two streams", "PutRecord", twice, &producerKey, nil, 400, auth.CodeAccessDenied},
		{"admin names two streams", "PutRecord", twice, &adminKey, nil, 400, "SerializationException"},
		{"reader reads its stream", "GetRecords", map[string]any{"ShardIterator": iterator("sensors-1")}, &sensorReader, nil, 200, ""},
		{"reader reads another", "GetRecords", map[string]any{"ShardIterator": iterator("secrets")}, &sensorReader, nil, 400, auth.CodeAccessDenied},
		{"unsigned", "ListStreams", map[string]any{}, nil, nil, 400, auth.CodeMissingToken},
		{"from a web page", "ListStreams", map[string]any{}, &adminKey, []string{"Origin", "http://evil.example"}, 403, auth.CodeAccessDenied},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out := cborCall(t, srv, c.op, c.body, c.key, c.hdr...)
			if status != c.status || (c.typ != "" && out["__type"] != c.typ) {
				t.Fatalf("%d %v, want %d %s", status, out, c.status, c.typ)
			}
			if c.typ == "" && out["__type"] != nil {
				t.Fatalf("success with an error body: %v", out)
			}
		})
	}
}

// TestCBORBusyAnswer: a CBOR request over the cap on requests in flight
// is answered busy in CBOR, with the name the SDKs back off on.
func TestCBORBusyAnswer(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{MaxInFlight: 1, QueueWait: 10 * time.Millisecond}})
	holdSlots(t, srv, 1)
	status, out := cborCall(t, srv, "PutRecord", map[string]any{"StreamName": "s", "PartitionKey": "k", "Data": []byte{1}}, nil)
	if status != http.StatusServiceUnavailable || out["__type"] != "ProvisionedThroughputExceededException" || out["message"] == "" {
		t.Fatalf("%d %v", status, out)
	}
}

// TestCBORSubscribeToShard: a SubscribeToShard sent in CBOR (as the Java
// SDK v2 and the KCL send it) is answered with an event stream whose
// payloads are CBOR, named so by each message's :content-type: the
// initial-response an empty map, each SubscribeToShardEvent the members
// of the JSON one with Data as a byte string and the arrival time as epoch
// milliseconds under tag 1.
func TestCBORSubscribeToShard(t *testing.T) {
	srv, kc := open(t, Config{HTTP: HTTPLimits{SubscriptionDuration: 2 * time.Second}})
	arn := fanOut(t, kc, "cb", 1)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	if _, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("cb"), PartitionKey: aws.String("k"), Data: []byte{0xF3, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	body, err := cbor.Marshal(map[string]any{"ConsumerARN": arn, "ShardId": "shardId-000000000000",
		"StartingPosition": map[string]any{"Type": "TRIM_HORIZON"}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.SubscribeToShard")
	req.Header.Set("Content-Type", awscbor.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%d %q: %x", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	dec := eventstream.NewDecoder()
	next := func() (string, []byte) {
		t.Helper()
		msg, err := dec.Decode(resp.Body, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ct := msg.Headers.Get(eventstreamapi.ContentTypeHeader); ct == nil || ct.String() != awscbor.ContentType {
			t.Fatalf("payload content type %v, want %s", ct, awscbor.ContentType)
		}
		return msg.Headers.Get(eventstreamapi.EventTypeHeader).String(), msg.Payload
	}
	if typ, p := next(); typ != "initial-response" || !bytes.Equal(p, []byte{0xa0}) {
		t.Fatalf("first event %s %x, want initial-response a0", typ, p)
	}
	typ, p := next()
	if typ != "SubscribeToShardEvent" {
		t.Fatalf("event %s", typ)
	}
	var ev struct {
		Records []struct {
			SequenceNumber              string
			ApproximateArrivalTimestamp cbor.RawTag
			Data                        []byte
			PartitionKey                string
		}
		ContinuationSequenceNumber string
		MillisBehindLatest         int64
	}
	if err := cbor.Unmarshal(p, &ev); err != nil {
		t.Fatalf("event payload %x: %v", p, err)
	}
	if len(ev.Records) != 1 || !bytes.Equal(ev.Records[0].Data, []byte{0xF3, 0, 1}) || ev.Records[0].PartitionKey != "k" {
		t.Fatalf("records %+v", ev.Records)
	}
	if ev.ContinuationSequenceNumber != ev.Records[0].SequenceNumber {
		t.Fatalf("continuation %q, last record %q", ev.ContinuationSequenceNumber, ev.Records[0].SequenceNumber)
	}
	at := ev.Records[0].ApproximateArrivalTimestamp
	var ms int64
	if at.Number != 1 || cbor.Unmarshal(at.Content, &ms) != nil {
		t.Fatalf("arrival %+v: want tag 1 around an integer", at)
	}
	if got := time.UnixMilli(ms); got.Before(before) || got.After(time.Now().Add(time.Second)) {
		t.Fatalf("arrival %v (%d ms): not epoch milliseconds of now", got, ms)
	}
}
