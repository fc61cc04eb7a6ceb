package kinesis

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
)

const target = TargetPrefix + "."

// state is what an error must leave unchanged: stream names, record
// counts, retention and tags.
func (e *env) state(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	list, err := e.client.ListStreams(ctx, &awskinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range list.StreamNames {
		d, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.js.JS.Stream(ctx, "KDS_"+strings.ReplaceAll(name, ".", "~"))
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tags, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(name + " " + string(d.StreamDescriptionSummary.StreamStatus) + " ")
		b.WriteString(string(mustJSON([]any{*d.StreamDescriptionSummary.RetentionPeriodHours, *d.StreamDescriptionSummary.OpenShardCount, info.State.Msgs, tags.Tags})) + "\n")
	}
	return b.String()
}

// manyTags is n distinct tags.
func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("t%03d", i)] = "v"
	}
	return m
}

func TestErrorsByExceptionNameChangeNothing(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s1", 2)
	if _, err := e.client.PutRecord(context.Background(), &awskinesis.PutRecordInput{StreamName: aws.String("s1"), PartitionKey: aws.String("k"), Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.AddTagsToStream(context.Background(), &awskinesis.AddTagsToStreamInput{StreamName: aws.String("s1"), Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	before := e.state(t)

	mb := 1 << 20
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	recs := func(n, size int, key string) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"Data": b64(size), "PartitionKey": key}
		}
		return out
	}
	cases := []struct {
		name, op string
		body     []byte
		status   int
		want     string
	}{
		{"malformed JSON", "PutRecord", []byte(`{"StreamName": "s1", `), 400, "SerializationException"},
		{"not an object", "PutRecord", []byte(`[1,2]`), 400, "SerializationException"},
		{"unknown target", "Frobnicate", []byte(`{}`), 400, "UnknownOperationException"},
		{"missing data", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "k"}), 400, Validation},
		{"missing partition key", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "Data": "eA=="}), 400, Validation},
		{"missing stream name", "PutRecord", mustJSON(map[string]any{"PartitionKey": "k", "Data": "eA=="}), 400, InvalidArgument},
		{"missing shard id", "GetShardIterator", mustJSON(map[string]any{"StreamName": "s1", "ShardIteratorType": "LATEST"}), 400, Validation},
		{"bad iterator type", "GetShardIterator", mustJSON(map[string]any{"StreamName": "s1", "ShardId": "shardId-000000000000", "ShardIteratorType": "SOMETIME"}), 400, Validation},
		{"missing iterator", "GetRecords", []byte(`{}`), 400, Validation},
		{"mistyped shard count", "CreateStream", []byte(`{"StreamName": "s2", "ShardCount": "4"}`), 400, "SerializationException"},
		{"fractional shard count", "CreateStream", []byte(`{"StreamName": "s2", "ShardCount": 1.5}`), 400, "SerializationException"},
		{"mistyped records", "PutRecords", []byte(`{"StreamName": "s1", "Records": {"Data": "eA=="}}`), 400, "SerializationException"},
		{"bad base64", "PutRecord", []byte(`{"StreamName": "s1", "PartitionKey": "k", "Data": "!!not base64!!"}`), 400, "SerializationException"},
		{"bad base64 in batch", "PutRecords", []byte(`{"StreamName": "s1", "Records": [{"PartitionKey": "k", "Data": "eA=="}, {"PartitionKey": "k", "Data": "e"}]}`), 400, "SerializationException"},
		{"record over 1 MiB", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "k", "Data": b64(mb + 1)}), 400, Validation},
		{"batch record over 1 MiB", "PutRecords", mustJSON(map[string]any{"StreamName": "s1", "Records": recs(1, mb+1, "k")}), 400, Validation},
		{"501 records", "PutRecords", mustJSON(map[string]any{"StreamName": "s1", "Records": recs(501, 1, "k")}), 400, Validation},
		{"no records", "PutRecords", mustJSON(map[string]any{"StreamName": "s1", "Records": recs(0, 1, "k")}), 400, Validation},
		{"batch over 5 MiB", "PutRecords", mustJSON(map[string]any{"StreamName": "s1", "Records": recs(6, mb, "k")}), 400, InvalidArgument},
		{"key too long", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": strings.Repeat("k", 257), "Data": "eA=="}), 400, Validation},
		{"key empty", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "", "Data": "eA=="}), 400, Validation},
		{"batch key empty", "PutRecords", mustJSON(map[string]any{"StreamName": "s1", "Records": recs(3, 1, "")}), 400, Validation},
		{"explicit hash key too big", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "k", "Data": "eA==", "ExplicitHashKey": "340282366920938463463374607431768211456"}), 400, InvalidArgument},
		{"explicit hash key not decimal", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "k", "Data": "eA==", "ExplicitHashKey": "0x10"}), 400, Validation},
		{"bad ordering sequence", "PutRecord", mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "k", "Data": "eA==", "SequenceNumberForOrdering": "12a"}), 400, Validation},
		{"unknown stream put", "PutRecord", mustJSON(map[string]any{"StreamName": "nope", "PartitionKey": "k", "Data": "eA=="}), 400, ResourceNotFound},
		{"unknown stream by ARN", "DescribeStream", mustJSON(map[string]any{"StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/nope"}), 400, ResourceNotFound},
		{"unknown stream delete", "DeleteStream", mustJSON(map[string]any{"StreamName": "nope"}), 400, ResourceNotFound},
		{"unknown stream tags", "AddTagsToStream", mustJSON(map[string]any{"StreamName": "nope", "Tags": map[string]string{"x": "y"}}), 400, ResourceNotFound},
		{"unknown shard", "GetShardIterator", mustJSON(map[string]any{"StreamName": "s1", "ShardId": "shardId-000000000009", "ShardIteratorType": "LATEST"}), 400, ResourceNotFound},
		{"stream exists", "CreateStream", mustJSON(map[string]any{"StreamName": "s1", "ShardCount": 1}), 400, ResourceInUse},
		{"bad stream name", "CreateStream", mustJSON(map[string]any{"StreamName": "bad/name", "ShardCount": 1}), 400, Validation},
		{"stream name too long", "CreateStream", mustJSON(map[string]any{"StreamName": strings.Repeat("n", 129), "ShardCount": 1}), 400, Validation},
		{"zero shards", "CreateStream", mustJSON(map[string]any{"StreamName": "s2", "ShardCount": 0}), 400, Validation},
		{"too many shards", "CreateStream", mustJSON(map[string]any{"StreamName": "s2", "ShardCount": 100000}), 400, LimitExceeded},
		{"retention above max", "IncreaseStreamRetentionPeriod", mustJSON(map[string]any{"StreamName": "s1", "RetentionPeriodHours": 8761}), 400, Validation},
		{"retention below 24h", "DecreaseStreamRetentionPeriod", mustJSON(map[string]any{"StreamName": "s1", "RetentionPeriodHours": 12}), 400, InvalidArgument},
		{"increase to the same period", "IncreaseStreamRetentionPeriod", mustJSON(map[string]any{"StreamName": "s1", "RetentionPeriodHours": 24}), 200, ""},
		{"decrease that raises", "DecreaseStreamRetentionPeriod", mustJSON(map[string]any{"StreamName": "s1", "RetentionPeriodHours": 48}), 400, InvalidArgument},
		{"missing retention", "IncreaseStreamRetentionPeriod", mustJSON(map[string]any{"StreamName": "s1"}), 400, Validation},
		{"list limit 0", "ListStreams", mustJSON(map[string]any{"Limit": 0}), 400, Validation},
		{"describe limit too big", "DescribeStream", mustJSON(map[string]any{"StreamName": "s1", "Limit": 10001}), 400, Validation},
		{"get records limit too big", "GetRecords", mustJSON(map[string]any{"ShardIterator": "x", "Limit": 10001}), 400, Validation},
		{"bad list token", "ListStreams", mustJSON(map[string]any{"NextToken": "%%%"}), 400, InvalidArgument},
		{"too many tags at once", "AddTagsToStream", mustJSON(map[string]any{"StreamName": "s1", "Tags": manyTags(201)}), 400, Validation},
		{"more than 50 tags", "AddTagsToStream", mustJSON(map[string]any{"StreamName": "s1", "Tags": manyTags(50)}), 400, InvalidArgument},
		{"tag with a bad character", "AddTagsToStream", mustJSON(map[string]any{"StreamName": "s1", "Tags": map[string]string{"a": "x%y"}}), 400, InvalidArgument},
		{"create with a bad tag", "CreateStream", mustJSON(map[string]any{"StreamName": "s2", "ShardCount": 1, "Tags": map[string]string{"a\tb": "x"}}), 400, InvalidArgument},
		{"create with 51 tags", "CreateStream", mustJSON(map[string]any{"StreamName": "s2", "ShardCount": 1, "Tags": manyTags(51)}), 400, InvalidArgument},
		{"create with a record size too big", "CreateStream", mustJSON(map[string]any{"StreamName": "s2", "ShardCount": 1, "MaxRecordSizeInKiB": 10241}), 400, Validation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, hdr := e.raw(t, target+c.op, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			if c.want == "" {
				return
			}
			var got struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("error body %q: %v", body, err)
			}
			if got.Type != c.want || got.Message == "" {
				t.Fatalf("got %s (%q), want %s", got.Type, got.Message, c.want)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	if after := e.state(t); after != before {
		t.Fatalf("errors changed state:\nbefore %s\nafter  %s", before, after)
	}
}

func TestErrorJSONShape(t *testing.T) {
	e := start(t, "")
	status, body, hdr := e.raw(t, target+"DescribeStream", []byte(`{"StreamName":"nope"}`))
	want := `{"__type":"ResourceNotFoundException","message":"Stream nope under account 123456789012 not found."}`
	if status != http.StatusBadRequest || string(body) != want {
		t.Fatalf("got %d %s\nwant 400 %s", status, body, want)
	}
	if hdr.Get("Content-Type") != "application/x-amz-json-1.1" || hdr.Get("X-Amzn-RequestId") == "" {
		t.Fatalf("headers %v", hdr)
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil || len(fields) != 2 {
		t.Fatalf("error body has fields %v", fields)
	}
	// And the SDK understands it.
	_, err := e.client.DescribeStream(context.Background(), &awskinesis.DescribeStreamInput{StreamName: aws.String("nope")})
	if errorCode(err) != ResourceNotFound || !strings.Contains(err.Error(), "Stream nope under account") {
		t.Fatalf("SDK error: %v", err)
	}
	// A success has the same content type and a JSON object body.
	status, body, hdr = e.raw(t, target+"ListStreams", []byte(`{}`))
	if status != 200 || hdr.Get("Content-Type") != "application/x-amz-json-1.1" || !bytes.HasPrefix(body, []byte("{")) {
		t.Fatalf("ListStreams: %d %s", status, body)
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s1", 1)
	before := e.state(t)
	// Over MaxRequestBytes, the API's limit (a 10 MiB PutRecords in base64
	// with its keys).
	body := mustJSON(map[string]any{"StreamName": "s1", "PartitionKey": "k", "Data": base64.StdEncoding.EncodeToString(make([]byte, MaxRequestBytes*3/4+1))})
	if len(body) <= MaxRequestBytes {
		t.Fatalf("body of %d bytes is not over MaxRequestBytes %d", len(body), MaxRequestBytes)
	}
	status, resp, _ := e.raw(t, target+"PutRecord", body)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(resp), "RequestEntityTooLargeException") {
		t.Fatalf("%d %s", status, resp)
	}
	if after := e.state(t); after != before {
		t.Fatalf("refused body changed state: %s -> %s", before, after)
	}
}
