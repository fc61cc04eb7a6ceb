package host

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/awsjson"
	hfirehose "github.com/sluice-io/sluice/host/firehose"
	hkinesis "github.com/sluice-io/sluice/host/kinesis"
)

// opRequest is a request doing op on the resource named name.
func opRequest(t *testing.T, srv *Server, op auth.Operation, name string, k auth.Key) *http.Request {
	t.Helper()
	if op.Target != "" {
		service, _, _ := strings.Cut(op.Action, ":")
		body := `{"StreamName":"` + name + `","DeliveryStreamName":"` + name + `"}`
		return signed(t, srv, "POST", "/", op.Target, []byte(body), k, service, time.Now(), nil)
	}
	method, path, _ := strings.Cut(op.Route, " ")
	path = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(path, name)
	path = strings.Replace(path, "/versions/"+name, "/versions/1", 1)
	return signed(t, srv, method, path, "", nil, k, auth.ServiceSluice, time.Now(), nil)
}

// TestPermissionsEveryOperation: the producer key (kinesis:PutRecord* and
// firehose:PutRecord* on sensors-*) is refused every other operation,
// on its own streams and on others, and every operation on others.
func TestPermissionsEveryOperation(t *testing.T) {
	srv := openSecure(t, nil)
	allowed := []string{"kinesis:PutRecord", "kinesis:PutRecords", "firehose:PutRecord", "firehose:PutRecordBatch"}
	ops := auth.Operations()
	if len(ops) < 60 {
		t.Fatalf("only %d operations", len(ops))
	}
	for _, op := range ops {
		for _, name := range []string{"sensors-1", "secrets"} {
			t.Run(op.Action+"/"+name, func(t *testing.T) {
				status, code, msg := do(t, opRequest(t, srv, op, name, producerKey))
				mayDo := slices.Contains(allowed, op.Action) && name == "sensors-1"
				if mayDo {
					if code == auth.CodeAccessDenied {
						t.Fatalf("refused: %d %s", status, msg)
					}
					return
				}
				if code != auth.CodeAccessDenied {
					t.Fatalf("got %d %s %q, want AccessDeniedException", status, code, msg)
				}
				wantStatus := http.StatusBadRequest
				if op.Target == "" {
					wantStatus = http.StatusForbidden
				}
				if status != wantStatus || !strings.Contains(msg, "User: arn:aws:iam::000000000000:user/sensor-01 is not authorized to perform: "+op.Action+" on resource: ") {
					t.Fatalf("got %d %q", status, msg)
				}
			})
		}
	}
}

// TestOperationsCoverEveryRoute: every Kinesis and Firehose operation the
// server registers, and every /v1 route of host/rest, has an action in
// host/auth, so no new route goes unchecked.
func TestOperationsCoverEveryRoute(t *testing.T) {
	known := map[string]bool{}
	for _, op := range auth.Operations() {
		known[op.Target+op.Route] = true
	}
	m := awsjson.NewMux(nil)
	hkinesis.Register(m, nil)
	hfirehose.Register(m, nil, hfirehose.Config{})
	targets := m.Targets()
	if len(targets) < 20 {
		t.Fatalf("only %d targets", len(targets))
	}
	for _, target := range targets {
		if !known[target] {
			t.Errorf("target %s has no action in host/auth", target)
		}
	}
	files, err := filepath.Glob(filepath.Join("rest", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	route := regexp.MustCompile(`mux\.Handle(?:Func)?\("([A-Z]+ /v1/[^"]*)"`)
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range route.FindAllStringSubmatch(string(src), -1) {
			n++
			if !known[m[1]] {
				t.Errorf("route %s (%s) has no action in host/auth", m[1], f)
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d routes in host/rest", n)
	}
}

// TestProducerKeyOnASensor: the key of a sensor can put records into its
// stream, and cannot read it, read another stream, push a module, or
// create a delivery stream that would read another stream for it.
func TestProducerKeyOnASensor(t *testing.T) {
	srv := openSecure(t, nil)
	ctx := context.Background()
	admin := kinesisAs(srv, creds(adminKey), "us-east-1")
	for _, s := range []string{"sensors-1", "payroll"} {
		if _, err := admin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(s), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
	}
	put, err := admin.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("payroll"), PartitionKey: aws.String("k"), Data: []byte("salary")})
	if err != nil {
		t.Fatal(err)
	}
	prod := kinesisAs(srv, creds(producerKey), "us-east-1")
	if _, err := prod.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("sensors-1"), PartitionKey: aws.String("k"), Data: []byte("21.5")}); err != nil {
		t.Fatalf("put to its own stream: %v", err)
	}
	if _, err := prod.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("sensors-1"), Records: []ktypes.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}}}); err != nil {
		t.Fatalf("PutRecords to its own stream: %v", err)
	}
	refused := map[string]error{}
	_, refused["put to another stream"] = prod.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("payroll"), PartitionKey: aws.String("k"), Data: []byte("x")})
	_, refused["iterator on its own stream"] = prod.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("sensors-1"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	_, refused["describe another stream"] = prod.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("payroll")})
	_, refused["by ARN"] = prod.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/payroll"), PartitionKey: aws.String("k"), Data: []byte("x")})
	// A name it may write, with an ARN naming another stream: the API
	// reads the ARN, so the guard checks both.
	_, refused["name and ARN"] = prod.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("sensors-1"), StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/payroll"), PartitionKey: aws.String("k"), Data: []byte("x")})
	// An iterator of the other stream, obtained by someone else: GetRecords
	// is checked against the stream the iterator reads.
	it, err := admin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("payroll"), ShardId: put.ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	_, refused["records through another's iterator"] = prod.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	fh := firehoseAs(srv, creds(producerKey), "us-east-1")
	_, refused["create a delivery stream"] = fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("sensors-exfil"), DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/payroll"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
	})
	for what, err := range refused {
		if got := apiCode(t, err); got != auth.CodeAccessDenied {
			t.Errorf("%s: got %q (%v), want AccessDeniedException", what, got, err)
		}
	}
	status, code, _ := do(t, signed(t, srv, "POST", "/v1/modules/enrich", "", []byte("\x00asm\x01\x00\x00\x00"), producerKey, auth.ServiceSluice, time.Now(), nil))
	if status != http.StatusForbidden || code != auth.CodeAccessDenied {
		t.Fatalf("module push: %d %s", status, code)
	}
	// The reader key reads, and writes nothing.
	reader := kinesisAs(srv, creds(readerKey), "us-east-1")
	if _, err := reader.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator}); err != nil {
		t.Fatalf("reader: %v", err)
	}
	if _, err := reader.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("payroll"), PartitionKey: aws.String("k"), Data: []byte("x")}); apiCode(t, err) != auth.CodeAccessDenied {
		t.Fatalf("reader put: %v", err)
	}
}
