package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/kpl"
)

// `sluice get --deaggregate` shows a KPL aggregate as the records the
// producer put, each with its partition key and subsequence number;
// without the flag, and for a record that is not an aggregate, it shows
// the record as stored.
func TestGetDeaggregate(t *testing.T) {
	ep := startServer(t)
	mustSluice(t, ep, "", "stream", "create", "agg", "--shards", "1")
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	container, err := kpl.Aggregate([]kpl.UserRecord{
		{PartitionKey: "sensor-1", Data: []byte(`{"t":20.5}`)},
		{PartitionKey: "sensor-2", ExplicitHashKey: "42", Data: []byte(`{"t":21}`)},
		{PartitionKey: "sensor-1", Data: []byte(`{"t":19}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var seqs []string
	for _, r := range []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("batch"), Data: container},
		{PartitionKey: aws.String("plain"), Data: []byte("just a record")},
	} {
		out, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("agg"), PartitionKey: r.PartitionKey, Data: r.Data})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, aws.ToString(out.SequenceNumber))
	}

	text := mustSluice(t, ep, "", "get", "agg", "--deaggregate")
	want := fmt.Sprintf("shardId-000000000000  %[1]s:0  sensor-1  {\"t\":20.5}\n"+
		"shardId-000000000000  %[1]s:1  sensor-2  {\"t\":21}\n"+
		"shardId-000000000000  %[1]s:2  sensor-1  {\"t\":19}\n"+
		"shardId-000000000000  %[2]s  plain  just a record\n", seqs[0], seqs[1])
	if text != want {
		t.Fatalf("get --deaggregate printed\n%s\nwant\n%s", text, want)
	}
	if text := mustSluice(t, ep, "", "get", "agg"); !strings.Contains(text, seqs[0]+"  batch  <") || strings.Contains(text, "sensor-1") {
		t.Fatalf("get without --deaggregate printed\n%s", text)
	}

	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(mustSluice(t, ep, "", "-o", "json", "get", "agg", "--deaggregate")), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 4 || got[1]["PartitionKey"] != "sensor-2" || got[1]["ExplicitHashKey"] != "42" || got[1]["SubSequenceNumber"] != 1.0 ||
		got[1]["SequenceNumber"] != seqs[0] || got[1]["Data"] != `{"t":21}` || got[3]["SubSequenceNumber"] != nil {
		t.Fatalf("json lines %v", got)
	}
}

// A pipeline file's record processors: listed in any order and with their
// defaults left out, applying the file again changes nothing; records put
// to the delivery stream come out as the processors make them.
func TestApplyRecordProcessors(t *testing.T) {
	ep := startServer(t)
	out := t.TempDir()
	file := writeFile(t, "p.yaml", fmt.Sprintf(`deliveryStreams:
  - name: split
    buffering: {intervalSeconds: 0}
    processors:
      - {type: RecordDeAggregation, subRecordType: JSON}
    destination: {kind: folder, folder: {path: %q}}
  - name: logs
    buffering: {intervalSeconds: 0}
    processors:
      - {type: CloudWatchLogProcessing}
      - {type: Decompression}
    destination: {kind: folder, folder: {path: %q}}
`, filepath.Join(out, "split"), filepath.Join(out, "logs")))
	if got := mustSluice(t, ep, "", "apply", "-f", file); got != "delivery stream split: created\ndelivery stream logs: created\n" {
		t.Fatalf("apply said %q", got)
	}
	if got := mustSluice(t, ep, "", "apply", "-f", file); !strings.Contains(got, "nothing changed") {
		t.Fatalf("second apply said %q", got)
	}
	if got := mustSluice(t, ep, "", "delivery", "describe", "logs"); !strings.Contains(got, "Processors:      Decompression, CloudWatchLogProcessing") ||
		!strings.Contains(got, "compressionFormat: GZIP") || !strings.Contains(got, "dataMessageExtraction: true") {
		t.Fatalf("describe said\n%s", got)
	}

	mustSluice(t, ep, "{\"a\":1}{\"a\":2}\n[\"not\",\"objects\"]\n", "put", "--delivery", "split")
	files := waitFiles(t, filepath.Join(out, "split"), "", func(f map[string][]byte) bool { return len(f) >= 2 })
	var delivered []string
	var failed []string
	for p, b := range files {
		if strings.Contains(filepath.ToSlash(p), "/errors/processing-failed/") {
			failed = append(failed, string(b))
		} else {
			delivered = append(delivered, strings.Split(strings.TrimSpace(string(b)), "\n")...)
		}
	}
	if !slices.Equal(delivered, []string{`{"a":1}`, `{"a":2}`}) || len(failed) != 1 || !strings.Contains(failed[0], "RecordDeAggregation.MalformedData") {
		t.Fatalf("delivered %q, failed %q", delivered, failed)
	}

	// CloudWatch Logs sends its payloads gzipped: a binary record, put
	// with the Firehose API.
	var payload bytes.Buffer
	zw := gzip.NewWriter(&payload)
	fmt.Fprint(zw, `{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],`+
		`"logEvents":[{"id":"1","timestamp":1,"message":"hello"},{"id":"2","timestamp":2,"message":"world"}]}`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	fc := firehose.New(firehose.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")})
	if _, err := fc.PutRecord(context.Background(), &firehose.PutRecordInput{DeliveryStreamName: aws.String("logs"),
		Record: &fhtypes.Record{Data: payload.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	files = waitFiles(t, filepath.Join(out, "logs"), "", func(f map[string][]byte) bool { return len(f) >= 1 })
	for _, b := range files {
		if string(b) != "hello\nworld\n" {
			t.Fatalf("delivered %q, want the two messages", b)
		}
	}
}
