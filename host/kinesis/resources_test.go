package kinesis

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sluice-io/sluice/host/streams"
)

// TestTagResource tags a stream by its ARN with the AWS SDK's
// TagResource, UntagResource and ListTagsForResource, sees the same tags
// through ListTagsForStream, and answers an ARN of a consumer that does
// not exist with ResourceNotFoundException.
func TestTagResource(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "res", 1)
	arn := "arn:aws:kinesis:us-east-1:123456789012:stream/res"
	if _, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(arn),
		Tags: map[string]string{"env": "edge", "site": "Köln 2", "path": "a/b=c+d-e@f:g_h.i"}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ListTagsForResource(ctx, &awskinesis.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil || fmt.Sprint(tagPairs(out.Tags)) != "[env=edge path=a/b=c+d-e@f:g_h.i site=Köln 2]" {
		t.Fatalf("list tags for resource: %v %v", tagPairs(out.Tags), err)
	}
	if _, err := e.client.UntagResource(ctx, &awskinesis.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"path", "absent"}}); err != nil {
		t.Fatal(err)
	}
	st, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String("res")})
	if err != nil || fmt.Sprint(tagPairs(st.Tags)) != "[env=edge site=Köln 2]" {
		t.Fatalf("list tags for stream after untag: %v %v", tagPairs(st.Tags), err)
	}

	for _, c := range []struct {
		name, arn, want string
	}{
		{"consumer of the stream", arn + "/consumer/app:1700000000", ResourceNotFound},
		{"missing stream", "arn:aws:kinesis:us-east-1:123456789012:stream/none", ResourceNotFound},
		{"consumer of a missing stream", "arn:aws:kinesis:us-east-1:123456789012:stream/none/consumer/app:1", ResourceNotFound},
		{"not a consumer", arn + "/shard/1", InvalidArgument},
	} {
		_, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(c.arn), Tags: map[string]string{"a": "b"}})
		if errorCode(err) != c.want {
			t.Errorf("%s: tag %v, want %s", c.name, err, c.want)
		}
		_, err = e.client.ListTagsForResource(ctx, &awskinesis.ListTagsForResourceInput{ResourceARN: aws.String(c.arn)})
		if errorCode(err) != c.want {
			t.Errorf("%s: list %v, want %s", c.name, err, c.want)
		}
	}
	// 50 tags a stream; the 51st is refused and changes nothing.
	_, err = e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(arn), Tags: manyTags(49)})
	if errorCode(err) != InvalidArgument {
		t.Fatalf("51 tags: %v", err)
	}
	if _, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: aws.String(arn), Tags: manyTags(48)}); err != nil {
		t.Fatalf("50 tags: %v", err)
	}
	if out, _ = e.client.ListTagsForResource(ctx, &awskinesis.ListTagsForResourceInput{ResourceARN: aws.String(arn)}); len(out.Tags) != 50 {
		t.Fatalf("%d tags, want 50", len(out.Tags))
	}
}

// TestDescribeLimits counts open shards (not closed ones) and ON_DEMAND
// streams; Sluice has no account-wide limits.
func TestDescribeLimits(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "a", 2)
	if _, err := e.client.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("b"),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	shards := e.shardsOf(t, "a")
	if _, err := e.client.MergeShards(ctx, &awskinesis.MergeShardsInput{StreamName: aws.String("a"), ShardToMerge: shards[0].ShardId, AdjacentShardToMerge: shards[1].ShardId}); err != nil {
		t.Fatal(err)
	}
	out, err := e.client.DescribeLimits(ctx, &awskinesis.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(aws.ToInt32(out.OpenShardCount), aws.ToInt32(out.OnDemandStreamCount), aws.ToInt32(out.ShardLimit), aws.ToInt32(out.OnDemandStreamCountLimit))
	if want := fmt.Sprint(1+defaultShardCount, 1, accountLimit, accountLimit); got != want {
		t.Fatalf("limits %s, want %s", got, want)
	}
}

// TestEnhancedMonitoring enables shard-level metrics with the SDK, reads
// them as Prometheus series labelled stream and shard, and disables them.
func TestEnhancedMonitoring(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "mon", 1)
	e.createStream(t, "quiet", 1)
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.engine.Collector())

	on, err := e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("mon"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingRecords, types.MetricsNameIncomingBytes}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%v %v %s", on.CurrentShardLevelMetrics, on.DesiredShardLevelMetrics, aws.ToString(on.StreamName)) != "[] [IncomingBytes IncomingRecords] mon" ||
		aws.ToString(on.StreamARN) != "arn:aws:kinesis:us-east-1:123456789012:stream/mon" {
		t.Fatalf("enable: %v %v %s %s", on.CurrentShardLevelMetrics, on.DesiredShardLevelMetrics, aws.ToString(on.StreamName), aws.ToString(on.StreamARN))
	}
	all, err := e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("mon"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	if err != nil || len(all.DesiredShardLevelMetrics) != 7 || len(all.CurrentShardLevelMetrics) != 2 {
		t.Fatalf("enable ALL: %+v %v", all, err)
	}
	d, err := e.client.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("mon")})
	if err != nil || len(d.StreamDescription.EnhancedMonitoring) != 1 || len(d.StreamDescription.EnhancedMonitoring[0].ShardLevelMetrics) != 7 {
		t.Fatalf("describe: %+v %v", d.StreamDescription.EnhancedMonitoring, err)
	}
	for _, s := range []string{"mon", "quiet"} {
		if _, err := e.client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String(s), Records: []types.PutRecordsRequestEntry{
			{Data: []byte("abc"), PartitionKey: aws.String("k")}, {Data: []byte("de"), PartitionKey: aws.String("kk")}}}); err != nil {
			t.Fatal(err)
		}
	}
	shard := e.shardsOf(t, "mon")[0].ShardId
	e.readAll(t, e.iterator(t, "mon", *shard, types.ShardIteratorTypeTrimHorizon, nil, nil), 0)

	series := gather(t, reg)
	// The stream-level series are every stream's, monitored or not.
	for _, s := range []string{"mon", "quiet"} {
		if got := series[`sluice_kinesis_stream_incoming_records_total{stream="`+s+`"}`]; got != 2 {
			t.Errorf("stream %s: %v records in, want 2", s, got)
		}
	}
	series = shardSeries(series)
	for name, want := range map[string]float64{
		"sluice_kinesis_shard_incoming_records_total":          2,
		"sluice_kinesis_shard_incoming_bytes_total":            3 + 1 + 2 + 2,
		"sluice_kinesis_shard_outgoing_records_total":          2,
		"sluice_kinesis_shard_outgoing_bytes_total":            5,
		"sluice_kinesis_shard_iterator_age_milliseconds":       0,
		"sluice_kinesis_shard_write_throughput_exceeded_total": 0,
		"sluice_kinesis_shard_read_throughput_exceeded_total":  0,
	} {
		if got, ok := series[name+`{shard="shardId-000000000000",stream="mon"}`]; !ok || got != want {
			t.Errorf("%s: %v (present %v), want %v", name, got, ok, want)
		}
	}
	for k := range series {
		if strings.Contains(k, `stream="quiet"`) {
			t.Errorf("a stream without enhanced monitoring has series: %s", k)
		}
	}

	off, err := e.client.DisableEnhancedMonitoring(ctx, &awskinesis.DisableEnhancedMonitoringInput{StreamName: aws.String("mon"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	if err != nil || len(off.CurrentShardLevelMetrics) != 7 || len(off.DesiredShardLevelMetrics) != 0 {
		t.Fatalf("disable: %+v %v", off, err)
	}
	if s := shardSeries(gather(t, reg)); len(s) != 0 {
		t.Fatalf("series after disabling: %v", s)
	}
	if _, err := e.client.EnableEnhancedMonitoring(ctx, &awskinesis.EnableEnhancedMonitoringInput{StreamName: aws.String("none"),
		ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}); errorCode(err) != ResourceNotFound {
		t.Fatalf("enable on a missing stream: %v", err)
	}
}

// shardSeries keeps the shard-level series of series.
func shardSeries(series map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range series {
		if strings.HasPrefix(k, "sluice_kinesis_shard_") {
			out[k] = v
		}
	}
	return out
}

// gather reads every series of reg as name{labels} → value.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}

// TestTagConsumer: TagResource, UntagResource and ListTagsForResource on a
// consumer's ARN act on the consumer's own tags (those it was registered
// with, then changed), not its stream's; they survive a restart, a
// consumer carries at most 50, and a deregistered consumer's ARN is not
// found.
func TestTagConsumer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := start(t, dir)
	e.createStream(t, "cs", 1)
	reg, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN("cs")), ConsumerName: aws.String("app"), Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := reg.Consumer.ConsumerARN
	list := func() string {
		t.Helper()
		out, err := e.client.ListTagsForResource(ctx, &awskinesis.ListTagsForResourceInput{ResourceARN: arn})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(tagPairs(out.Tags))
	}
	if got := list(); got != "[team=a]" {
		t.Fatalf("registered with: %s", got)
	}
	if _, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"env": "edge", "team": "b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagResource(ctx, &awskinesis.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "[team=b]" {
		t.Fatalf("after tag and untag: %s", got)
	}
	st, err := e.client.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String("cs")})
	if err != nil || len(st.Tags) != 0 {
		t.Fatalf("the stream took the consumer's tags: %v %v", tagPairs(st.Tags), err)
	}
	if _, err := e.client.TagResource(ctx, &awskinesis.TagResourceInput{ResourceARN: arn, Tags: manyTags(50)}); errorCode(err) != InvalidArgument {
		t.Fatalf("51 tags on a consumer: %v", err)
	}
	if got := list(); got != "[team=b]" {
		t.Fatalf("a refused tagging changed the tags: %s", got)
	}
	e.stop()
	e = startWith(t, dir, e.clock, streams.Config{})
	if got := list(); got != "[team=b]" {
		t.Fatalf("after a restart: %s", got)
	}
	e.clock.Advance(streams.ConsumerTransition)
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListTagsForResource(ctx, &awskinesis.ListTagsForResourceInput{ResourceARN: arn}); errorCode(err) != ResourceNotFound {
		t.Fatalf("tags of a deregistered consumer: %v", err)
	}
}
