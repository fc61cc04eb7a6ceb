package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sluice-io/sluice/host/delivery"
)

// scrape reads /metrics as metric families, by name.
func scrape(t testing.TB, srv *Server) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, "http://"+srv.HTTPAddr()+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics answered %d: %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// sample finds the series of family name whose labels include want
// (name=value pairs); nil when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if v, ok := have[want[i]]; !ok || v != want[i+1] {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a counter's or gauge's value, a histogram's count; -1 when
// the series is missing.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m := sample(fams, name, labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// TestMetricsAfterTraffic sends real Kinesis and Firehose requests (AWS
// SDK, JSON; one CBOR request; a subscription), records through a
// delivery stream with a C transform, and a transform that traps, and
// checks the series they leave on /metrics: the API's by operation and
// error code, the data stream's (and, with enhanced monitoring, its
// shards'), the runtime's by module and the delivery stream's latency
// histograms; then that deleting the stream and the delivery stream drops
// their series, and that the Grafana dashboard charts only series the
// server exports.
func TestMetricsAfterTraffic(t *testing.T) {
	srv, kc := open(t, Config{})
	ctx := context.Background()
	fc := firehose.New(firehose.Options{
		BaseEndpoint: aws.String("http://" + srv.HTTPAddr()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
	wasmOf := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "runtime", "testdata", name))
		if err != nil {
			t.Fatalf("runtime/testdata/%s is missing (%v): run scripts/build-wasm.sh", name, err)
		}
		return b
	}

	// A data stream, its shards monitored, read from behind.
	arn := fanOut(t, kc, "metered", 1)
	if _, err := kc.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{
		StreamName: aws.String("metered"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}); err != nil {
		t.Fatal(err)
	}
	put := func(data string) {
		t.Helper()
		if _, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("metered"), PartitionKey: aws.String("k"), Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	put("first")
	time.Sleep(20 * time.Millisecond) // the second record arrives later: the first read is behind it
	recs := make([]types.PutRecordsRequestEntry, 3)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: fmt.Appendf(nil, "r%d", i)}
	}
	if _, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("metered"), Records: recs}); err != nil {
		t.Fatal(err)
	}
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("metered"),
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	got, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != 1 || aws.ToInt64(got.MillisBehindLatest) <= 0 {
		t.Fatalf("first read: %d records, %d ms behind; want 1 record behind the others", len(got.Records), aws.ToInt64(got.MillisBehindLatest))
	}
	behind := float64(aws.ToInt64(got.MillisBehindLatest))
	es, err := subscribeSDK(t, kc, arn, "shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 4; {
		select {
		case ev := <-es.Events():
			if e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent); ok {
				n += len(e.Value.Records)
			}
		case <-time.After(hangLimit):
			t.Fatal("the subscription sent no records")
		}
	}
	es.Close()
	// An error: a stream that does not exist, in JSON and in CBOR.
	var rnf *types.ResourceNotFoundException
	if _, err := kc.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("absent")}); !errors.As(err, &rnf) {
		t.Fatalf("DescribeStream of a missing stream: %v", err)
	}
	if status, _ := cborCall(t, srv, "DescribeStreamSummary", map[string]any{"StreamName": "absent"}, nil); status != http.StatusBadRequest {
		t.Fatalf("CBOR DescribeStreamSummary of a missing stream: %d", status)
	}

	// A delivery stream with a C transform, fed through the Firehose API.
	if _, err := srv.modules.Push(ctx, "upper", wasmOf("c_upper.wasm")); err != nil {
		t.Fatal(err)
	}
	zero := 0
	if _, err := srv.delivery.Create(ctx, delivery.Definition{
		Name: "shout", Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Processor:   &delivery.Processor{Module: "upper"},
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: t.TempDir()}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := fc.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("shout"),
		Records: []fhtypes.Record{{Data: []byte("a\n")}, {Data: []byte("b\n")}}}); err != nil {
		t.Fatal(err)
	}
	var fnf *fhtypes.ResourceNotFoundException
	if _, err := fc.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("absent")}); !errors.As(err, &fnf) {
		t.Fatalf("DescribeDeliveryStream of a missing stream: %v", err)
	}
	eventually(t, "records delivered", func() bool {
		_, st, err := srv.delivery.Describe(ctx, "shout")
		return err == nil && st.DeliveredRecords == 2
	})

	// A transform that traps, invoked through the REST API.
	if _, err := srv.modules.Push(ctx, "trap", wasmOf("trap.wasm")); err != nil {
		t.Fatal(err)
	}
	event := `{"invocationId":"i","records":[{"recordId":"1","approximateArrivalTimestamp":0,"data":"eA=="}]}`
	resp, err := http.Post("http://"+srv.HTTPAddr()+"/v1/modules/trap/invoke", "application/json", bytes.NewReader([]byte(event)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A subscription counts once its handler returns, after the client
	// closed it.
	var fams map[string]*dto.MetricFamily
	eventually(t, "the subscription counted", func() bool {
		fams = scrape(t, srv)
		return value(fams, "sluice_api_requests_total", "api", "kinesis", "operation", "SubscribeToShard", "error_code", "none") == 1
	})
	for _, c := range []struct {
		name   string
		labels []string
		want   float64 // -2: any value > 0 (the two records may make one batch or two)
	}{
		{"sluice_api_requests_total", []string{"api", "kinesis", "operation", "PutRecord", "error_code", "none"}, 1},
		{"sluice_api_requests_total", []string{"api", "kinesis", "operation", "PutRecords", "error_code", "none"}, 1},
		{"sluice_api_requests_total", []string{"api", "kinesis", "operation", "DescribeStream", "error_code", "ResourceNotFoundException"}, 1},
		{"sluice_api_requests_total", []string{"api", "kinesis", "operation", "DescribeStreamSummary", "error_code", "ResourceNotFoundException"}, 1},
		{"sluice_api_requests_total", []string{"api", "kinesis", "operation", "SubscribeToShard", "error_code", "none"}, 1},
		{"sluice_api_requests_total", []string{"api", "firehose", "operation", "PutRecordBatch", "error_code", "none"}, 1},
		{"sluice_api_requests_total", []string{"api", "firehose", "operation", "DescribeDeliveryStream", "error_code", "ResourceNotFoundException"}, 1},
		{"sluice_api_request_duration_seconds", []string{"api", "kinesis", "operation", "GetRecords"}, 1},
		{"sluice_api_request_duration_seconds", []string{"api", "firehose", "operation", "PutRecordBatch"}, 1},
		{"sluice_kinesis_stream_incoming_records_total", []string{"stream", "metered"}, 4},
		{"sluice_kinesis_stream_incoming_bytes_total", []string{"stream", "metered"}, 4*1 /* keys */ + 5 + 3*2},
		{"sluice_kinesis_stream_outgoing_records_total", []string{"stream", "metered", "operation", "GetRecords"}, 1},
		{"sluice_kinesis_stream_outgoing_bytes_total", []string{"stream", "metered", "operation", "GetRecords"}, 5},
		{"sluice_kinesis_stream_outgoing_records_total", []string{"stream", "metered", "operation", "SubscribeToShard"}, 4},
		{"sluice_kinesis_stream_iterator_age_milliseconds", []string{"stream", "metered", "operation", "GetRecords"}, behind},
		{"sluice_kinesis_shard_incoming_records_total", []string{"stream", "metered", "shard", "shardId-000000000000"}, 4},
		{"sluice_kinesis_shard_outgoing_records_total", []string{"stream", "metered", "shard", "shardId-000000000000"}, 1},
		{"sluice_runtime_invocations_total", []string{"module", "upper", "version", "1", "result", "ok"}, -2},
		{"sluice_runtime_invocations_total", []string{"module", "trap", "version", "1", "result", "trap"}, 1},
		{"sluice_runtime_invocation_duration_seconds", []string{"module", "upper", "version", "1"}, -2},
		{"sluice_runtime_instances", []string{"module", "upper", "version", "1"}, -2},
		{"sluice_runtime_instances_created_total", []string{"module", "upper", "version", "1"}, -2},
		{"sluice_runtime_memory_bytes", []string{"module", "upper", "version", "1"}, -2},
		{"sluice_runtime_instance_limit", []string{"module", "upper", "version", "1"}, -2},
		{"sluice_delivery_record_latency_seconds", []string{"delivery_stream", "shout"}, 2},
		{"sluice_delivery_batch_duration_seconds", []string{"delivery_stream", "shout"}, -2},
		{"sluice_delivery_delivered_records_total", []string{"delivery_stream", "shout"}, 2},
	} {
		v := value(fams, c.name, c.labels...)
		if c.want == -2 && v > 0 || v == c.want {
			continue
		}
		t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
	}
	// Bounded labels: an operation no handler serves is "unknown".
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.MadeUp"+fmt.Sprint(time.Now().UnixNano()))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	eventually(t, "data freshness measured (each second)", func() bool {
		return sample(scrape(t, srv), "sluice_delivery_data_freshness_seconds", "delivery_stream", "shout") != nil
	})
	after := scrape(t, srv)
	if v := value(after, "sluice_api_requests_total", "api", "kinesis", "operation", "unknown", "error_code", "UnknownOperationException"); v != 1 {
		t.Errorf("an unknown operation counted %v times as unknown", v)
	}
	checkDashboard(t, after)

	// Deleted, their series go.
	if _, err := kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("metered"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.delivery.Delete(ctx, "shout"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "series of deleted streams dropped", func() bool {
		f := scrape(t, srv)
		return sample(f, "sluice_kinesis_stream_incoming_records_total", "stream", "metered") == nil &&
			sample(f, "sluice_kinesis_shard_incoming_records_total", "stream", "metered") == nil &&
			sample(f, "sluice_delivery_record_latency_seconds", "delivery_stream", "shout") == nil &&
			sample(f, "sluice_runtime_invocations_total", "module", "upper") == nil
	})
}
