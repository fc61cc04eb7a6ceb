package kinesis

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host/streams"
)

// TestValidationMessages checks requests AWS refuses, with the exact
// exception and message AWS answers (the forms of its validation layer,
// as kinesalite recorded them from Kinesis itself): every failing
// constraint at once, in one message.
func TestValidationMessages(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "v", 2)
	before := e.state(t)
	r1 := streams.SplitHashRange(2)[1]
	plusOne := new(big.Int).Add(mustBig(r1.Start.String()), big.NewInt(1)).String()
	cases := []struct {
		name, op string
		body     any
		typ, msg string
	}{
		{"merge with nothing", "MergeShards", map[string]any{},
			Validation, "2 validation errors detected: Value null at 'shardToMerge' failed to satisfy constraint: Member must not be null; Value null at 'adjacentShardToMerge' failed to satisfy constraint: Member must not be null"},
		{"merge with empty names", "MergeShards", map[string]any{"StreamName": "", "ShardToMerge": "", "AdjacentShardToMerge": ""},
			Validation, "6 validation errors detected: " +
				"Value '' at 'shardToMerge' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value '' at 'shardToMerge' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '' at 'adjacentShardToMerge' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value '' at 'adjacentShardToMerge' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"merge in the wrong order", "MergeShards", map[string]any{"StreamName": "v", "ShardToMerge": "shardId-000000000001", "AdjacentShardToMerge": "shardId-000000000000"},
			InvalidArgument, "Shards shardId-000000000001 and shardId-000000000000 in stream v under account 123456789012 are not an adjacent pair of shards eligible for merging"},
		{"empty stream name", "DescribeStreamSummary", map[string]any{"StreamName": ""},
			Validation, "2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"empty stream name on create", "CreateStream", map[string]any{"StreamName": "", "ShardCount": 0},
			Validation, "3 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"no stream named", "DescribeStreamSummary", map[string]any{},
			InvalidArgument, "Either StreamName or StreamARN should be provided."},
		{"split at start+1", "SplitShard", map[string]any{"StreamName": "v", "ShardToSplit": "shardId-000000000001", "NewStartingHashKey": plusOne},
			InvalidArgument, "NewStartingHashKey " + plusOne + " used in SplitShard() on shard shardId-000000000001 in stream v under account 123456789012 is not both greater than one plus the shard's StartingHashKey " + r1.Start.String() + " and less than the shard's EndingHashKey " + r1.End.String() + "."},
		{"split at the end", "SplitShard", map[string]any{"StreamName": "v", "ShardToSplit": "shardId-000000000001", "NewStartingHashKey": r1.End.String()},
			InvalidArgument, "NewStartingHashKey " + r1.End.String() + " used in SplitShard() on shard shardId-000000000001 in stream v under account 123456789012 is not both greater than one plus the shard's StartingHashKey " + r1.Start.String() + " and less than the shard's EndingHashKey " + r1.End.String() + "."},
		{"split with nothing", "SplitShard", map[string]any{"StreamName": "v"},
			Validation, "2 validation errors detected: Value null at 'shardToSplit' failed to satisfy constraint: Member must not be null; Value null at 'newStartingHashKey' failed to satisfy constraint: Member must not be null"},
		{"latest with a sequence number", "GetShardIterator", map[string]any{"StreamName": "v", "ShardId": "shardId-000000000000", "ShardIteratorType": "LATEST", "StartingSequenceNumber": "1"},
			InvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified LATEST and also a StartingSequenceNumber."},
		{"trim horizon with a sequence number", "GetShardIterator", map[string]any{"StreamName": "v", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON", "StartingSequenceNumber": "1"},
			InvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber."},
		{"at sequence number without one", "GetShardIterator", map[string]any{"StreamName": "v", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_SEQUENCE_NUMBER"},
			InvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."},
		{"iterator with bad members", "GetShardIterator", map[string]any{"StreamName": "v", "ShardId": "bad/id", "ShardIteratorType": "OLDEST", "StartingSequenceNumber": "x1"},
			Validation, "3 validation errors detected: Value 'bad/id' at 'shardId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]; Value 'x1' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"},
		{"records with several faults", "PutRecords", map[string]any{"StreamName": "v", "Records": []map[string]any{{"PartitionKey": ""}, {"Data": "eA==", "ExplicitHashKey": "01"}}},
			Validation, "4 validation errors detected: Value null at 'records.1.member.data' failed to satisfy constraint: Member must not be null; Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1; Value null at 'records.2.member.partitionKey' failed to satisfy constraint: Member must not be null; Value '01' at 'records.2.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"},
		{"record too long for the stream", "PutRecord", map[string]any{"StreamName": "v", "PartitionKey": "k", "Data": make([]byte, streams.MaxRecordData+1)},
			Validation, "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"tag with a percent sign", "AddTagsToStream", map[string]any{"StreamName": "v", "Tags": map[string]string{"cost": "50%"}},
			InvalidArgument, "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - @ :."},
		{"tags too long", "AddTagsToStream", map[string]any{"StreamName": "v", "Tags": map[string]string{strings.Repeat("k", 129): strings.Repeat("v", 257)}},
			Validation, "2 validation errors detected: Value '{" + strings.Repeat("k", 129) + "=" + strings.Repeat("v", 257) + "}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]; Value '{" + strings.Repeat("k", 129) + "=" + strings.Repeat("v", 257) + "}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]"},
		{"no tags", "AddTagsToStream", map[string]any{"StreamName": "v", "Tags": map[string]string{}},
			Validation, "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"untag with an empty key", "RemoveTagsFromStream", map[string]any{"StreamName": "v", "TagKeys": []string{"a", ""}},
			Validation, "1 validation error detected: Value '[a, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"},
		{"resource ARN of another service", "ListTagsForResource", map[string]any{"ResourceARN": "arn:aws:firehose:us-east-1:123456789012:deliverystream/x"},
			Validation, "1 validation error detected: Value 'arn:aws:firehose:us-east-1:123456789012:deliverystream/x' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+"},
		{"unknown metric", "EnableEnhancedMonitoring", map[string]any{"StreamName": "v", "ShardLevelMetrics": []string{"IncomingBytes", "Latency"}},
			Validation, "1 validation error detected: Value '[IncomingBytes, Latency]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]]"},
		{"no metrics", "DisableEnhancedMonitoring", map[string]any{"StreamName": "v"},
			Validation, "1 validation error detected: Value null at 'shardLevelMetrics' failed to satisfy constraint: Member must not be null"},
		{"record size out of range", "UpdateMaxRecordSize", map[string]any{"StreamName": "v", "MaxRecordSizeInKiB": 10241},
			Validation, "1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"record size missing", "UpdateMaxRecordSize", map[string]any{"StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/v"},
			Validation, "1 validation error detected: Value null at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must not be null"},
		{"bad scaling and count", "UpdateShardCount", map[string]any{"StreamName": "v", "TargetShardCount": 0, "ScalingType": "FAST"},
			Validation, "2 validation errors detected: Value '0' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'FAST' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]"},
		{"mistyped member", "PutRecord", json.RawMessage(`{"StreamName":"v","PartitionKey":"k","Data":"eA==","ExplicitHashKey":7}`),
			"SerializationException", "class java.math.BigDecimal can not be converted to an String"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := e.raw(t, target+c.op, mustJSON(c.body))
			var got struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &got); err != nil || status != 400 {
				t.Fatalf("status %d: %s", status, body)
			}
			if got.Type != c.typ || got.Message != c.msg {
				t.Errorf("got  %s: %s\nwant %s: %s", got.Type, got.Message, c.typ, c.msg)
			}
		})
	}
	if after := e.state(t); after != before {
		t.Errorf("refused requests changed state:\nbefore %s\nafter  %s", before, after)
	}
}

// TestValidationStopsAtTen checks that a request with more faults than
// AWS reports gets the first ten.
func TestValidationStopsAtTen(t *testing.T) {
	e := start(t, "")
	recs := make([]map[string]any, 12)
	for i := range recs {
		recs[i] = map[string]any{"Data": "eA=="}
	}
	_, body, _ := e.raw(t, target+"PutRecords", mustJSON(map[string]any{"StreamName": "v", "Records": recs}))
	var got struct{ Message string }
	_ = json.Unmarshal(body, &got)
	if !strings.HasPrefix(got.Message, "10 validation errors detected: ") || strings.Count(got.Message, "Member must not be null") != 10 {
		t.Fatalf("message %q", got.Message)
	}
}

// TestCreateWithTagsIsAtomic creates a stream with tags through the SDK
// and checks a refused tag creates nothing.
func TestCreateWithTagsIsAtomic(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	_, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("t"), ShardCount: aws.Int32(1),
		Tags: map[string]string{"ok": "yes", "bad": "tab\there"}})
	if errorCode(err) != InvalidArgument {
		t.Fatalf("create with a bad tag: %v", err)
	}
	if _, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("t")}); errorCode(err) != ResourceNotFound {
		t.Fatalf("a refused create left a stream: %v", err)
	}
	tags := manyTags(50)
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("t"), ShardCount: aws.Int32(1), Tags: tags}); err != nil {
		t.Fatalf("create with 50 tags: %v", err)
	}
	out, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String("t")})
	if err != nil || len(out.Tags) != 50 {
		t.Fatalf("tags of the new stream: %d, %v", len(out.Tags), err)
	}
}

func mustBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}
