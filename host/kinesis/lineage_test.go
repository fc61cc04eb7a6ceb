package kinesis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

func shardIDs(shards []types.Shard) string {
	var ids []string
	for _, s := range shards {
		ids = append(ids, (*s.ShardId)[len(*s.ShardId)-1:])
	}
	return fmt.Sprint(ids)
}

func TestListShardsFiltersAndClosedShardReads(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	t0 := e.clock.Now()
	e.createStream(t, "lin", 2)
	// Two records in shard 0, then split it (shards 2, 3) an hour later,
	// and merge those (shard 4) an hour after that.
	for i := range 2 {
		if _, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("lin"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("5"), Data: fmt.Appendf(nil, "r%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(time.Hour)
	half := streams.SplitHashRange(4)[1].Start.String()
	if _, err := e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: aws.String("lin"), ShardToSplit: aws.String(streams.ShardID(0)), NewStartingHashKey: aws.String(half)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.client.MergeShards(ctx, &awskinesis.MergeShardsInput{StreamName: aws.String("lin"), ShardToMerge: aws.String(streams.ShardID(2)), AdjacentShardToMerge: aws.String(streams.ShardID(3))}); err != nil {
		t.Fatal(err)
	}

	at := func(d time.Duration) *time.Time { return aws.Time(t0.Add(d)) }
	tests := []struct {
		filter *types.ShardFilter
		start  *string
		want   string
	}{
		{nil, nil, "[0 1 2 3 4]"},
		{nil, aws.String(streams.ShardID(1)), "[2 3 4]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeAtLatest}, nil, "[1 4]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(30 * time.Minute)}, nil, "[0 1]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: at(30 * time.Minute)}, nil, "[0 1 2 3 4]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(90 * time.Minute)}, nil, "[1 2 3]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: at(90 * time.Minute)}, nil, "[1 2 3 4]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}, nil, "[0 1]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}, nil, "[0 1 2 3 4]"},
		{&types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String(streams.ShardID(2))}, nil, "[3 4]"},
	}
	for _, tt := range tests {
		name := "none"
		if tt.filter != nil {
			name = string(tt.filter.Type)
		}
		// Page one shard at a time: the NextToken carries the filter.
		var got []types.Shard
		in := &awskinesis.ListShardsInput{StreamName: aws.String("lin"), ShardFilter: tt.filter, ExclusiveStartShardId: tt.start, MaxResults: aws.Int32(1)}
		for {
			out, err := e.client.ListShards(ctx, in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, out.Shards...)
			if out.NextToken == nil {
				break
			}
			in = &awskinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(1)}
		}
		if shardIDs(got) != tt.want {
			t.Errorf("%s: shards %s, want %s", name, shardIDs(got), tt.want)
		}
	}
	_, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("lin"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp}})
	if errorCode(err) != InvalidArgument {
		t.Errorf("AT_TIMESTAMP without a timestamp: %v", err)
	}

	// Lineage as ListShards reports it.
	all := e.shardsOf(t, "lin")
	if p := all[4]; aws.ToString(p.ParentShardId) != streams.ShardID(2) || aws.ToString(p.AdjacentParentShardId) != streams.ShardID(3) {
		t.Fatalf("merged shard parents %v %v", aws.ToString(p.ParentShardId), aws.ToString(p.AdjacentParentShardId))
	}
	// Shard 0 closed at the split's barrier, right after its 2 records;
	// its children start after it.
	if end := aws.ToString(all[0].SequenceNumberRange.EndingSequenceNumber); end != streams.FormatSequence(3) ||
		aws.ToString(all[2].SequenceNumberRange.StartingSequenceNumber) != streams.FormatSequence(4) {
		t.Fatalf("shard 0 EndingSequenceNumber %q, its child starts at %q", end, aws.ToString(all[2].SequenceNumberRange.StartingSequenceNumber))
	}
	if all[1].SequenceNumberRange.EndingSequenceNumber != nil {
		t.Fatal("open shard 1 has an EndingSequenceNumber")
	}

	// A closed shard gives what is left, then no next iterator and its
	// children; from LATEST it has nothing left at all.
	iter := aws.String(e.iterator(t, "lin", streams.ShardID(0), types.ShardIteratorTypeTrimHorizon, nil, nil))
	for i := range 2 {
		out, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Records) != 1 || string(out.Records[0].Data) != fmt.Sprintf("r%d", i) {
			t.Fatalf("read %d: %d records", i, len(out.Records))
		}
		if last := i == 1; last != (out.NextShardIterator == nil) || last != (len(out.ChildShards) == 2) {
			t.Fatalf("read %d: next %v, children %d", i, out.NextShardIterator != nil, len(out.ChildShards))
		}
		iter = out.NextShardIterator
	}
	for _, id := range []string{streams.ShardID(0), streams.ShardID(2)} {
		out, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(e.iterator(t, "lin", id, types.ShardIteratorTypeLatest, nil, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Records) != 0 || out.NextShardIterator != nil || len(out.ChildShards) == 0 {
			t.Fatalf("closed %s from LATEST: %d records, next %v, children %v", id, len(out.Records), out.NextShardIterator != nil, out.ChildShards)
		}
	}
}

func TestReshardErrorsOnTheWire(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "w", 2)
	scale := func(n int32, typ types.ScalingType) error {
		_, err := e.client.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: aws.String("w"), TargetShardCount: aws.Int32(n), ScalingType: typ})
		return err
	}
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"merge a missing shard", func() error {
			_, err := e.client.MergeShards(ctx, &awskinesis.MergeShardsInput{StreamName: aws.String("w"), ShardToMerge: aws.String(streams.ShardID(0)), AdjacentShardToMerge: aws.String(streams.ShardID(5))})
			return err
		}, ResourceNotFound},
		{"split in a missing stream", func() error {
			_, err := e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: aws.String("none"), ShardToSplit: aws.String(streams.ShardID(0)), NewStartingHashKey: aws.String("7")})
			return err
		}, ResourceNotFound},
		{"split at a bad key", func() error {
			_, err := e.client.SplitShard(ctx, &awskinesis.SplitShardInput{StreamName: aws.String("w"), ShardToSplit: aws.String(streams.ShardID(0)), NewStartingHashKey: aws.String("x")})
			return err
		}, Validation},
		{"scale beyond double", func() error { return scale(5, types.ScalingTypeUniformScaling) }, InvalidArgument},
		{"unknown scaling type", func() error { return scale(3, "OTHER") }, Validation},
	}
	for _, tt := range tests {
		if err := tt.do(); errorCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	out, err := e.client.UpdateShardCount(ctx, &awskinesis.UpdateShardCountInput{StreamName: aws.String("w"), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil || aws.ToInt32(out.CurrentShardCount) != 2 || aws.ToInt32(out.TargetShardCount) != 4 {
		t.Fatalf("update shard count: %+v, %v", out, err)
	}
}

func TestStreamModeOnTheWire(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	mode := func() (types.StreamMode, int32) {
		out, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("od")})
		if err != nil {
			t.Fatal(err)
		}
		return out.StreamDescriptionSummary.StreamModeDetails.StreamMode, aws.ToInt32(out.StreamDescriptionSummary.OpenShardCount)
	}
	if m, n := mode(); m != types.StreamModeOnDemand || n != 4 {
		t.Fatalf("created %s with %d shards, want ON_DEMAND with 4", m, n)
	}
	arn := "arn:aws:kinesis:us-east-1:123456789012:stream/od"
	if _, err := e.client.UpdateStreamMode(ctx, &awskinesis.UpdateStreamModeInput{StreamARN: aws.String(arn), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}}); err != nil {
		t.Fatal(err)
	}
	if m, _ := mode(); m != types.StreamModeProvisioned {
		t.Fatalf("after UpdateStreamMode: %s", m)
	}
	_, err := e.client.UpdateStreamMode(ctx, &awskinesis.UpdateStreamModeInput{StreamARN: aws.String(arn), StreamModeDetails: &types.StreamModeDetails{StreamMode: "SOMETIMES"}})
	if errorCode(err) != Validation {
		t.Fatalf("unknown mode: %v", err)
	}
}
