package firehose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
)

// env is the Firehose API over a real delivery manager on a real JetStream
// server, over real HTTP; bucket B is the folder buckets/B of a temp dir.
type env struct {
	dir     string
	url     string
	streams *streams.Engine
	client  *awsfirehose.Client
	mgr     *delivery.Manager
}

func start(t *testing.T) *env {
	t.Helper()
	return startWith(t, false)
}

// startWith is start on a server that encrypts at rest, or not.
func startWith(t *testing.T, encrypted bool) *env {
	t.Helper()
	ctx := context.Background()
	js := jstest.Start(t, "")
	eng, err := streams.Open(ctx, js.Conn, streams.Config{Region: region, AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := delivery.Open(ctx, js.Conn, delivery.Deps{Streams: eng}, delivery.Config{Region: region, AccountID: account, OutputRoot: os.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{dir: t.TempDir(), streams: eng, mgr: mgr}
	mux := awsjson.NewMux(nil)
	Register(mux, mgr, Config{Region: region, AccountID: account, EncryptedAtRest: encrypted, ObjectStore: func(bucket string) (delivery.Destination, error) {
		return delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: filepath.Join(e.dir, "buckets", bucket)}}, nil
	}})
	srv := httptest.NewServer(mux)
	e.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		if err := mgr.Close(); err != nil {
			t.Errorf("close manager: %v", err)
		}
		_ = eng.Close()
	})
	e.client = awsfirehose.New(awsfirehose.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
	return e
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (e *env) createS3(t *testing.T, name string) {
	t.Helper()
	_, err := e.client.CreateDeliveryStream(context.Background(), &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role),
			Prefix:            aws.String(name + "/"),
			ErrorOutputPrefix: aws.String(name + "-errors/!{firehose:error-output-type}/"),
			BufferingHints:    &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		},
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

// delivered waits until the objects under buckets/lake/prefix hold n lines
// and returns them.
func (e *env) delivered(t *testing.T, prefix string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var lines []string
		_ = filepath.WalkDir(filepath.Join(e.dir, "buckets", "lake", prefix), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
				lines = append(lines, string(l))
			}
			return nil
		})
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDeliveryStreamRoundTrip(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "orders")

	if _, err := e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String("orders"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role)},
	}); errorCode(err) != ResourceInUse {
		t.Fatalf("second create: %v, want %s", err, ResourceInUse)
	}

	d, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	desc := d.DeliveryStreamDescription
	if aws.ToString(desc.DeliveryStreamARN) != "arn:aws:firehose:us-east-1:123456789012:deliverystream/orders" ||
		desc.DeliveryStreamStatus != types.DeliveryStreamStatusActive || desc.DeliveryStreamType != types.DeliveryStreamTypeDirectPut ||
		aws.ToString(desc.VersionId) != "1" || desc.CreateTimestamp == nil || len(desc.Destinations) != 1 ||
		desc.Source == nil || desc.Source.DirectPutSourceDescription == nil {
		t.Fatalf("description %+v", desc)
	}
	s3 := desc.Destinations[0].ExtendedS3DestinationDescription
	if s3 == nil || aws.ToString(s3.BucketARN) != "arn:aws:s3:::lake" || aws.ToString(s3.Prefix) != "orders/" ||
		aws.ToInt32(s3.BufferingHints.SizeInMBs) != 1 || aws.ToInt32(s3.BufferingHints.IntervalInSeconds) != 0 ||
		s3.CompressionFormat != types.CompressionFormatUncompressed {
		t.Fatalf("S3 destination %+v", s3)
	}

	one, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("orders"), Record: &types.Record{Data: []byte(`{"n":-1}`)}})
	if err != nil || aws.ToString(one.RecordId) == "" || aws.ToBool(one.Encrypted) {
		t.Fatalf("put record: %+v %v", one, err)
	}
	const n = 1000
	var want []string
	want = append(want, `{"n":-1}`)
	for b := 0; b < n/MaxBatchRecords; b++ {
		recs := make([]types.Record, MaxBatchRecords)
		for i := range recs {
			v := fmt.Sprintf(`{"n":%d}`, b*MaxBatchRecords+i)
			recs[i] = types.Record{Data: []byte(v)}
			want = append(want, v)
		}
		out, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String("orders"), Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedPutCount) != 0 || len(out.RequestResponses) != MaxBatchRecords || aws.ToBool(out.Encrypted) {
			t.Fatalf("batch: failed %d, %d responses", aws.ToInt32(out.FailedPutCount), len(out.RequestResponses))
		}
		ids := map[string]bool{}
		for _, r := range out.RequestResponses {
			if r.RecordId == nil || r.ErrorCode != nil || ids[*r.RecordId] {
				t.Fatalf("response %+v (duplicate or missing id)", r)
			}
			ids[*r.RecordId] = true
		}
	}
	got := e.delivered(t, "orders/", len(want))
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %d lines, want %d (every record once)", len(got), len(want))
	}

	if _, err := e.client.DeleteDeliveryStream(ctx, &awsfirehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("orders")}); errorCode(err) != ResourceNotFound {
		t.Fatalf("describe after delete: %v", err)
	}
}

func TestListDeliveryStreams(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	for _, name := range []string{"c", "a", "b"} {
		e.createS3(t, name)
	}
	if err := e.streams.CreateStream(ctx, "sensors", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName:               aws.String("k"),
		DeliveryStreamType:               types.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/sensors"), RoleARN: aws.String(role)},
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role), Prefix: aws.String("k/"),
		},
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in   awsfirehose.ListDeliveryStreamsInput
		want []string
		more bool
	}{
		{awsfirehose.ListDeliveryStreamsInput{}, []string{"a", "b", "c", "k"}, false},
		{awsfirehose.ListDeliveryStreamsInput{Limit: aws.Int32(2)}, []string{"a", "b"}, true},
		{awsfirehose.ListDeliveryStreamsInput{Limit: aws.Int32(2), ExclusiveStartDeliveryStreamName: aws.String("b")}, []string{"c", "k"}, false},
		{awsfirehose.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource}, []string{"k"}, false},
		{awsfirehose.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeDirectPut, Limit: aws.Int32(3)}, []string{"a", "b", "c"}, false},
	}
	for i, c := range cases {
		out, err := e.client.ListDeliveryStreams(ctx, &c.in)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.DeliveryStreamNames, c.want) || aws.ToBool(out.HasMoreDeliveryStreams) != c.more {
			t.Errorf("case %d: %v more=%v, want %v more=%v", i, out.DeliveryStreamNames, aws.ToBool(out.HasMoreDeliveryStreams), c.want, c.more)
		}
	}
	d, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if src := d.DeliveryStreamDescription.Source; src == nil || src.KinesisStreamSourceDescription == nil ||
		aws.ToString(src.KinesisStreamSourceDescription.KinesisStreamARN) != "arn:aws:kinesis:us-east-1:123456789012:stream/sensors" {
		t.Fatalf("source %+v", src)
	}
	// A delivery stream reading a data stream takes no puts.
	if _, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("k"), Record: &types.Record{Data: []byte("x")}}); errorCode(err) != InvalidArgument {
		t.Fatalf("put to a data-stream source: %v, want %s", err, InvalidArgument)
	}
}

// TestAPIRefusals covers the errors of the operations other than create,
// by exception name, against the real manager.
func TestAPIRefusals(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "d")
	recs := func(n, size int) []types.Record {
		out := make([]types.Record, n)
		for i := range out {
			out[i] = types.Record{Data: make([]byte, size)}
		}
		return out
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"describe missing", func() error {
			_, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("nope")})
			return err
		}, ResourceNotFound},
		{"delete missing", func() error {
			_, err := e.client.DeleteDeliveryStream(ctx, &awsfirehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("nope")})
			return err
		}, ResourceNotFound},
		{"put missing", func() error {
			_, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("nope"), Record: &types.Record{Data: []byte("x")}})
			return err
		}, ResourceNotFound},
		{"batch missing", func() error {
			_, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String("nope"), Records: recs(1, 1)})
			return err
		}, ResourceNotFound},
		{"record too large", func() error {
			_, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("d"), Record: &types.Record{Data: make([]byte, MaxRecordBytes+1)}})
			return err
		}, Validation},
		{"batch record too large", func() error {
			_, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String("d"), Records: recs(1, MaxRecordBytes+1)})
			return err
		}, Validation},
		{"batch of 501", func() error {
			_, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String("d"), Records: recs(501, 1)})
			return err
		}, Validation},
		{"batch over 4 MiB", func() error {
			_, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String("d"), Records: recs(5, MaxRecordBytes)})
			return err
		}, InvalidArgument},
		{"list limit", func() error {
			_, err := e.client.ListDeliveryStreams(ctx, &awsfirehose.ListDeliveryStreamsInput{Limit: aws.Int32(0)})
			return err
		}, Validation},
		{"list type", func() error {
			_, err := e.client.ListDeliveryStreams(ctx, &awsfirehose.ListDeliveryStreamsInput{DeliveryStreamType: "Pigeon"})
			return err
		}, Validation},
		{"source stream missing", func() error {
			_, err := e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
				DeliveryStreamName:                 aws.String("k"),
				DeliveryStreamType:                 types.DeliveryStreamTypeKinesisStreamAsSource,
				KinesisStreamSourceConfiguration:   &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/none"), RoleARN: aws.String(role)},
				ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role)},
			})
			return err
		}, InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); errorCode(err) != c.want {
				t.Fatalf("err %v, want %s", err, c.want)
			}
		})
	}
}

// A delivery stream whose destination fails says so in
// DescribeDeliveryStream: still ACTIVE (it goes on trying, the records
// wait), with a FailureDescription giving the state, since when and the
// last error; it goes away once delivery succeeds again.
func TestDescribeShowsFailure(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "fails")
	put := func(data string) {
		t.Helper()
		if _, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("fails"),
			Record: &types.Record{Data: []byte(data)}}); err != nil {
			t.Fatal(err)
		}
	}
	describe := func() *types.DeliveryStreamDescription {
		t.Helper()
		out, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("fails")})
		if err != nil {
			t.Fatal(err)
		}
		return out.DeliveryStreamDescription
	}
	bucket := filepath.Join(e.dir, "buckets", "lake")
	put("first")
	if got := e.delivered(t, "", 1); len(got) != 1 {
		t.Fatalf("delivered %q", got)
	}
	if err := os.Rename(bucket, bucket+".aside"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bucket, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	put("second")
	var d *types.DeliveryStreamDescription
	waitUntil(t, "a FailureDescription", func() bool { d = describe(); return d.FailureDescription != nil })
	if d.DeliveryStreamStatus != types.DeliveryStreamStatusActive || d.FailureDescription.Type != types.DeliveryStreamFailureTypeUnknownError ||
		!strings.HasPrefix(aws.ToString(d.FailureDescription.Details), delivery.StatusRetrying+" since ") {
		t.Fatalf("status %s, failure %+v", d.DeliveryStreamStatus, d.FailureDescription)
	}
	if err := os.Remove(bucket); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bucket+".aside", bucket); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the failure to clear", func() bool { return describe().FailureDescription == nil })
}

// waitUntil polls cond, failing after a generous limit that only ends a hang.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
