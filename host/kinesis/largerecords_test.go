package kinesis

import (
	"bytes"
	"context"
	"crypto/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

// TestUpdateMaxRecordSize raises a stream's record size to 10 MiB with
// the AWS SDK, puts a 10 MiB record with PutRecord and a 10 MiB
// PutRecords, reads them back byte for byte, and checks the limits on
// each side: 1 MiB before, 10 MiB after, the request's 10 MiB, and that
// records stored while the limit was high stay readable once lowered.
func TestUpdateMaxRecordSize(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "big", 1)
	const mib = 1 << 20
	big := make([]byte, 10*mib)
	_, _ = rand.Read(big)
	put := func(data []byte) error {
		_, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: data})
		return err
	}
	if err := put(big[:mib+1]); errorCode(err) != Validation {
		t.Fatalf("1 MiB + 1 before the update: %v", err)
	}
	arn := aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/big")
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(10240)}); err != nil {
		t.Fatal(err)
	}
	sum, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamARN: arn})
	if err != nil || aws.ToInt32(sum.StreamDescriptionSummary.MaxRecordSizeInKiB) != 10240 {
		t.Fatalf("summary after the update: %v %v", sum, err)
	}
	if err := put(big); err != nil {
		t.Fatalf("10 MiB record: %v", err)
	}
	if err := put(append(big, 0)); errorCode(err) != Validation {
		t.Fatalf("10 MiB + 1: %v", err)
	}
	// PutRecords: 10 MiB in all, keys included.
	half := []types.PutRecordsRequestEntry{
		{Data: big[:5*mib], PartitionKey: aws.String("a")},
		{Data: big[5*mib : 10*mib-3], PartitionKey: aws.String("bc")},
	}
	res, err := e.client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("big"), Records: half})
	if err != nil || aws.ToInt32(res.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords of 10 MiB: %v %v", res, err)
	}
	over := []types.PutRecordsRequestEntry{{Data: big[:5*mib], PartitionKey: aws.String("a")}, {Data: big[5*mib:], PartitionKey: aws.String("b")}}
	if _, err := e.client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("big"), Records: over}); errorCode(err) != InvalidArgument {
		t.Fatalf("PutRecords over 10 MiB: %v", err)
	}

	// Lowered again: new records are held to 1 MiB, the stored ones read.
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: arn, MaxRecordSizeInKiB: aws.Int32(1024)}); err != nil {
		t.Fatal(err)
	}
	if err := put(big[:2*mib]); errorCode(err) != Validation {
		t.Fatalf("2 MiB after lowering: %v", err)
	}
	shard := e.shardsOf(t, "big")[0].ShardId
	got := e.readAll(t, e.iterator(t, "big", *shard, types.ShardIteratorTypeTrimHorizon, nil, nil), 0)
	if len(got) != 3 || !bytes.Equal(got[0].Data, big) || !bytes.Equal(got[1].Data, big[:5*mib]) || !bytes.Equal(got[2].Data, big[5*mib:10*mib-3]) {
		t.Fatalf("read back %d records", len(got))
	}
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/none"), MaxRecordSizeInKiB: aws.Int32(2048)}); errorCode(err) != ResourceNotFound {
		t.Fatalf("missing stream: %v", err)
	}
}

// TestRecordSizeThisServerCannotCarry refuses a record size that the
// server's read budget could not read, with LimitExceededException.
func TestRecordSizeThisServerCannotCarry(t *testing.T) {
	ctx := context.Background()
	e := startWith(t, "", &clock{}, streams.Config{MaxReadBytes: 4 << 20})
	e.createStream(t, "s", 1)
	_, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/s"), MaxRecordSizeInKiB: aws.Int32(4096)})
	if errorCode(err) != LimitExceeded || !strings.Contains(err.Error(), "read budget") {
		t.Fatalf("record size over the read budget: %v", err)
	}
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/s"), MaxRecordSizeInKiB: aws.Int32(1536)}); err != nil {
		t.Fatalf("record size within the budget: %v", err)
	}
}

// TestLargeRecordReadsStayWithinTheReadBudget reads a stream of 10 MiB
// records with six concurrent readers through the HTTP API: each read
// takes a grant sized for records that large, so the live heap never
// grows by more than three times the read budget beside JetStream's block
// caches (the stream itself), as for small records.
func TestLargeRecordReadsStayWithinTheReadBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 60 MiB")
	}
	ctx := context.Background()
	e := start(t, "")
	const records, size, readers = 6, 10 << 20, 6
	e.createStream(t, "huge", 1)
	if _, err := e.client.UpdateMaxRecordSize(ctx, &awskinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/huge"), MaxRecordSizeInKiB: aws.Int32(10240)}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("L"), size)
	for range records {
		if _, err := e.engine.PutRecord(ctx, "huge", streams.Record{Data: data, PartitionKey: "k"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	data = nil
	runtime.GC()
	base := liveHeap()
	read, peak := e.readConcurrently(t, readers, func(int) string {
		return e.iterator(t, "huge", streams.ShardID(0), "TRIM_HORIZON", nil, nil)
	})
	if read != readers*records {
		t.Fatalf("read %d records, want %d", read, readers*records)
	}
	grew := int64(peak) - int64(base)
	stored := int64(records) * (size + 512)
	bound := 3*int64(streams.DefaultMaxReadBytes) + stored
	t.Logf("live heap: %d MiB before the reads, at most %d MiB more during them (bound %d MiB)", base>>20, grew>>20, bound>>20)
	if grew > bound {
		t.Errorf("live heap grew by %d MiB during the reads, more than %d MiB", grew>>20, bound>>20)
	}
}
