package kinesis

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestTags(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "tagged", 1)
	arn := "arn:aws:kinesis:us-east-1:123456789012:stream/tagged"
	if _, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamARN: aws.String(arn), Tags: map[string]string{"team": "a", "env": "edge", "cost": ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: map[string]string{"team": "b"}}); err != nil {
		t.Fatal(err)
	}
	list := func(start *string, limit *int32) ([]types.Tag, bool) {
		out, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String("tagged"), ExclusiveStartTagKey: start, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags, aws.ToBool(out.HasMoreTags)
	}
	tags, more := list(nil, nil)
	if fmt.Sprint(tagPairs(tags)) != "[cost= env=edge team=b]" || more {
		t.Fatalf("tags %v more %v", tagPairs(tags), more)
	}
	tags, more = list(nil, aws.Int32(2))
	if fmt.Sprint(tagPairs(tags)) != "[cost= env=edge]" || !more {
		t.Fatalf("page 1: %v %v", tagPairs(tags), more)
	}
	tags, more = list(aws.String("env"), aws.Int32(2))
	if fmt.Sprint(tagPairs(tags)) != "[team=b]" || more {
		t.Fatalf("page 2: %v %v", tagPairs(tags), more)
	}
	if _, err := e.client.RemoveTagsFromStream(ctx, &awskinesis.RemoveTagsFromStreamInput{StreamName: aws.String("tagged"), TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if tags, _ = list(nil, nil); fmt.Sprint(tagPairs(tags)) != "[cost= env=edge]" {
		t.Fatalf("after remove: %v", tagPairs(tags))
	}
	// 50 tags at most: 2 + 48 fit, one more does not.
	for i := 0; i < 48; i += 8 {
		m := map[string]string{}
		for j := i; j < i+8; j++ {
			m[fmt.Sprintf("k%02d", j)] = "v"
		}
		if _, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: m}); err != nil {
			t.Fatalf("add tags %d: %v", i, err)
		}
	}
	_, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: map[string]string{"one-too-many": "v"}})
	if errorCode(err) != InvalidArgument || !strings.Contains(err.Error(), "cannot have more than 50 tags") {
		t.Fatalf("51st tag: %v", err)
	}
	if tags, _ = list(nil, nil); len(tags) != 50 {
		t.Fatalf("%d tags after refused add", len(tags))
	}
}

func tagPairs(tags []types.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, *t.Key+"="+aws.ToString(t.Value))
	}
	return out
}

func TestPaging(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "seven", 7)
	for _, n := range []string{"b", "a.x", "c-1"} {
		e.createStream(t, n, 1)
	}

	// ListShards: 3 + 3 + 1 with NextToken.
	var ids []string
	out, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("seven"), MaxResults: aws.Int32(3)})
	for page := 0; ; page++ {
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.Shards {
			ids = append(ids, *s.ShardId)
		}
		if out.NextToken == nil {
			break
		}
		if page > 3 {
			t.Fatal("ListShards does not end")
		}
		out, err = e.client.ListShards(ctx, &awskinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(3)})
	}
	if fmt.Sprint(ids) != "[shardId-000000000000 shardId-000000000001 shardId-000000000002 shardId-000000000003 shardId-000000000004 shardId-000000000005 shardId-000000000006]" {
		t.Fatalf("ListShards pages: %v", ids)
	}
	first, _ := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("seven"), MaxResults: aws.Int32(3)})
	if _, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("seven"), NextToken: first.NextToken}); errorCode(err) != InvalidArgument {
		t.Fatalf("NextToken with StreamName: %v", err)
	}
	ex, err := e.client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String("seven"), ExclusiveStartShardId: aws.String("shardId-000000000004")})
	if err != nil || len(ex.Shards) != 2 || ex.NextToken != nil {
		t.Fatalf("ExclusiveStartShardId: %v %v", ex, err)
	}

	// DescribeStream: Limit, ExclusiveStartShardId, HasMoreShards.
	ids = nil
	var start *string
	for page := 0; ; page++ {
		d, err := e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("seven"), Limit: aws.Int32(3), ExclusiveStartShardId: start})
		if err != nil {
			t.Fatal(err)
		}
		sd := d.StreamDescription
		if *sd.RetentionPeriodHours != 24 || sd.StreamStatus != types.StreamStatusActive || *sd.StreamARN != "arn:aws:kinesis:us-east-1:123456789012:stream/seven" {
			t.Fatalf("description %+v", sd)
		}
		for _, s := range sd.Shards {
			ids = append(ids, *s.ShardId)
		}
		if !*sd.HasMoreShards {
			break
		}
		if page > 3 {
			t.Fatal("DescribeStream does not end")
		}
		start = sd.Shards[len(sd.Shards)-1].ShardId
	}
	if len(ids) != 7 || ids[6] != "shardId-000000000006" {
		t.Fatalf("DescribeStream pages: %v", ids)
	}

	// ListStreams: Limit, NextToken, ExclusiveStartStreamName, summaries.
	var names []string
	ls, err := e.client.ListStreams(ctx, &awskinesis.ListStreamsInput{Limit: aws.Int32(3)})
	if err != nil || !*ls.HasMoreStreams || ls.NextToken == nil || len(ls.StreamSummaries) != 3 {
		t.Fatalf("ListStreams page 1: %+v %v", ls, err)
	}
	names = append(names, ls.StreamNames...)
	ls, err = e.client.ListStreams(ctx, &awskinesis.ListStreamsInput{Limit: aws.Int32(3), NextToken: ls.NextToken})
	if err != nil || *ls.HasMoreStreams || ls.NextToken != nil {
		t.Fatalf("ListStreams page 2: %+v %v", ls, err)
	}
	names = append(names, ls.StreamNames...)
	if fmt.Sprint(names) != "[a.x b c-1 seven]" {
		t.Fatalf("ListStreams: %v", names)
	}
	sum := ls.StreamSummaries[0]
	if *sum.StreamName != "seven" || sum.StreamStatus != types.StreamStatusActive || sum.StreamModeDetails.StreamMode != types.StreamModeProvisioned || sum.StreamCreationTimestamp == nil {
		t.Fatalf("summary %+v", sum)
	}
	ls, err = e.client.ListStreams(ctx, &awskinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String("b")})
	if err != nil || fmt.Sprint(ls.StreamNames) != "[c-1 seven]" {
		t.Fatalf("ExclusiveStartStreamName: %v %v", ls.StreamNames, err)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := start(t, dir)
	e.createStream(t, "keep.me", 3)
	if _, err := e.client.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("keep.me"), Tags: map[string]string{"owner": "ops"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.IncreaseStreamRetentionPeriod(ctx, &awskinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("keep.me"), RetentionPeriodHours: aws.Int32(72)}); err != nil {
		t.Fatal(err)
	}
	in := &awskinesis.PutRecordsInput{StreamName: aws.String("keep.me")}
	for i := range 300 {
		in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: []byte(fmt.Sprint(i))})
	}
	put, err := e.client.PutRecords(ctx, in)
	if err != nil || *put.FailedRecordCount != 0 {
		t.Fatal(err)
	}
	before := e.state(t)
	shardsBefore := fmt.Sprint(shardSummary(e.shardsOf(t, "keep.me")))
	e.stop()

	e = start(t, dir)
	if after := e.state(t); after != before {
		t.Fatalf("after restart:\n%s\nbefore:\n%s", after, before)
	}
	if got := fmt.Sprint(shardSummary(e.shardsOf(t, "keep.me"))); got != shardsBefore {
		t.Fatalf("shards after restart %s, before %s", got, shardsBefore)
	}
	read := map[string]string{}
	for _, s := range e.shardsOf(t, "keep.me") {
		for _, r := range e.readAll(t, e.iterator(t, "keep.me", *s.ShardId, types.ShardIteratorTypeTrimHorizon, nil, nil), 0) {
			read[*r.SequenceNumber] = string(r.Data)
		}
	}
	for i, r := range put.Records {
		if read[*r.SequenceNumber] != fmt.Sprint(i) {
			t.Fatalf("record %d (%s) after restart: %q", i, *r.SequenceNumber, read[*r.SequenceNumber])
		}
	}
	if len(read) != 300 {
		t.Fatalf("%d records after restart", len(read))
	}
	info, err := e.js.JS.Stream(ctx, "KDS_keep~me")
	if err != nil {
		t.Fatal(err)
	}
	if cfg := info.CachedInfo().Config; cfg.MaxAge.Hours() != 72 || !cfg.AllowDirect {
		t.Fatalf("JetStream config after restart: MaxAge %v AllowDirect %v", cfg.MaxAge, cfg.AllowDirect)
	}
}

func shardSummary(shards []types.Shard) []string {
	var out []string
	for _, s := range shards {
		out = append(out, *s.ShardId+" "+*s.HashKeyRange.StartingHashKey+"-"+*s.HashKeyRange.EndingHashKey+" "+*s.SequenceNumberRange.StartingSequenceNumber)
	}
	return out
}
