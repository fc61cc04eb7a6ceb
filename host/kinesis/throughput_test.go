package kinesis

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

func TestThrottlingOnTheWire(t *testing.T) {
	ctx := context.Background()
	clk := &clock{frozen: time.Now()}
	// Server-wide limits, small so the test stays small.
	e := startWith(t, "", clk, streams.Config{Limits: &streams.Limits{WriteRecords: 10, WriteBytes: 1 << 20, ReadBytes: 100}})
	e.createStream(t, "tight", 1)
	e.createStream(t, "loose", 1)
	if _, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("loose"), Tags: map[string]string{streams.TagThroughput: "off"}}); err != nil {
		t.Fatal(err)
	}
	in := func(name string) *awskinesis.PutRecordsInput {
		in := &awskinesis.PutRecordsInput{StreamName: aws.String(name)}
		for range 15 {
			in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("0123456789")})
		}
		return in
	}
	out, err := e.client.PutRecords(ctx, in("tight"))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 5 {
		t.Fatalf("%d failed, want 5", aws.ToInt32(out.FailedRecordCount))
	}
	for i, r := range out.Records {
		if want := i >= 10; want != (aws.ToString(r.ErrorCode) == ThroughputExceeded) || want == (r.SequenceNumber != nil) {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	_, err = e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("tight"), PartitionKey: aws.String("k"), Data: []byte("x")})
	if errorCode(err) != ThroughputExceeded {
		t.Fatalf("PutRecord over the limit: %v", err)
	}
	if out, err := e.client.PutRecords(ctx, in("loose")); err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("stream with limits off: %v, %v", out, err)
	}
	// 100 bytes a second out: reading 100 bytes is allowed, the next read
	// is throttled until a second passes.
	iter := e.iterator(t, "tight", streams.ShardID(0), types.ShardIteratorTypeTrimHorizon, nil, nil)
	res, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(iter)})
	if err != nil || len(res.Records) != 10 {
		t.Fatalf("first read: %v, %v", res, err)
	}
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: res.NextShardIterator}); errorCode(err) != ThroughputExceeded {
		t.Fatalf("second read: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: res.NextShardIterator}); err != nil {
		t.Fatalf("read after a second: %v", err)
	}
}
