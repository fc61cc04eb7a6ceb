package firehose

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

func (e *env) describe(t *testing.T, name string) *types.DeliveryStreamDescription {
	t.Helper()
	d, err := e.client.DescribeDeliveryStream(context.Background(), &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("describe %s: %v", name, err)
	}
	return d.DeliveryStreamDescription
}

// UpdateDestination with the current VersionId merges the update into
// the destination and makes a new version that new batches use; a stale
// VersionId is a ConcurrentModificationException that changes nothing.
func TestUpdateDestination(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "orders")
	if _, err := e.client.TagDeliveryStream(ctx, &awsfirehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("orders"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	d := e.describe(t, "orders")
	if v := aws.ToString(d.VersionId); v != "1" {
		t.Fatalf("VersionId %s, want 1", v)
	}
	destID := aws.ToString(d.Destinations[0].DestinationId)
	if _, err := e.client.UpdateDestination(ctx, &awsfirehose.UpdateDestinationInput{
		DeliveryStreamName:             aws.String("orders"),
		CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId:                  aws.String(destID),
		ExtendedS3DestinationUpdate:    &types.ExtendedS3DestinationUpdate{Prefix: aws.String("v2/")},
	}); err != nil {
		t.Fatal(err)
	}
	d = e.describe(t, "orders")
	s3 := d.Destinations[0].ExtendedS3DestinationDescription
	if v := aws.ToString(d.VersionId); v != "2" {
		t.Errorf("VersionId %s after the update, want 2", v)
	}
	if p := aws.ToString(s3.Prefix); p != "v2/" {
		t.Errorf("Prefix %q, want v2/", p)
	}
	if p := aws.ToString(s3.ErrorOutputPrefix); p != "orders-errors/!{firehose:error-output-type}/" {
		t.Errorf("ErrorOutputPrefix %q: a member the update leaves out keeps its value", p)
	}
	if h := s3.BufferingHints; aws.ToInt32(h.SizeInMBs) != 1 || aws.ToInt32(h.IntervalInSeconds) != 0 {
		t.Errorf("BufferingHints %d MiB %d s: members the update leaves out keep their values", aws.ToInt32(h.SizeInMBs), aws.ToInt32(h.IntervalInSeconds))
	}

	_, err := e.client.UpdateDestination(ctx, &awsfirehose.UpdateDestinationInput{
		DeliveryStreamName:             aws.String("orders"),
		CurrentDeliveryStreamVersionId: aws.String("1"),
		DestinationId:                  aws.String(destID),
		ExtendedS3DestinationUpdate:    &types.ExtendedS3DestinationUpdate{Prefix: aws.String("stale/")},
	})
	if errorCode(err) != ConcurrentModification || !strings.Contains(err.Error(), "retry with its VersionId") {
		t.Fatalf("stale version: %v, want %s saying what to do", err, ConcurrentModification)
	}
	if p := aws.ToString(e.describe(t, "orders").Destinations[0].ExtendedS3DestinationDescription.Prefix); p != "v2/" {
		t.Errorf("a refused update changed Prefix to %q", p)
	}

	// An update that changes nothing is still a new version, as on Firehose.
	if _, err := e.client.UpdateDestination(ctx, &awsfirehose.UpdateDestinationInput{
		DeliveryStreamName: aws.String("orders"), CurrentDeliveryStreamVersionId: aws.String("2"), DestinationId: aws.String(destID),
		S3DestinationUpdate: &types.S3DestinationUpdate{},
	}); err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(e.describe(t, "orders").VersionId); v != "3" {
		t.Errorf("VersionId %s after an empty update, want 3", v)
	}
	if got := tagString(e.listTags(t, "orders", nil, nil).Tags); got != "team=a," {
		t.Errorf("tags after updates: %q", got)
	}

	// New records go where the new version says.
	if _, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("orders"), Record: &types.Record{Data: []byte(`{"n":1}` + "\n")}}); err != nil {
		t.Fatal(err)
	}
	if lines := e.delivered(t, "v2", 1); len(lines) != 1 || lines[0] != `{"n":1}` {
		t.Fatalf("delivered under v2/: %q", lines)
	}
}

// UpdateDestination's refusals: AWS's exceptions, every bad member at
// once, messages that say what to do; nothing changes.
func TestUpdateDestinationRefusals(t *testing.T) {
	e := start(t)
	e.createS3(t, "d")
	const dest = `"DestinationId":"destinationId-000000000001"`
	cases := []struct {
		name, body, typ string
		msgs            []string
	}{
		{"members missing", `{"DeliveryStreamName":"d"}`, Validation, []string{"2 validation errors detected",
			"Value null at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must not be null",
			"Value null at 'destinationId' failed to satisfy constraint: Member must not be null"}},
		{"bad members", `{"DeliveryStreamName":"","CurrentDeliveryStreamVersionId":"one","DestinationId":"d/1"}`, Validation, []string{"4 validation errors detected",
			"Value '' at 'deliveryStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
			"Value 'one' at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+",
			"Value 'd/1' at 'destinationId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-]+"}},
		{"no update", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `}`, InvalidArgument, []string{"A destination update is required"}},
		{"two updates", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `,"S3DestinationUpdate":{},"ExtendedS3DestinationUpdate":{}}`, InvalidArgument, []string{"Only one destination update"}},
		{"unsupported update", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `,"SplunkDestinationUpdate":{}}`, InvalidArgument, []string{"SplunkDestinationUpdate is not supported"}},
		{"stale version", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"7",` + dest + `,"S3DestinationUpdate":{"Prefix":"x/"}}`, ConcurrentModification, []string{"7 is not the current version of delivery stream d, 1"}},
		{"unknown destination", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1","DestinationId":"destinationId-000000000002","S3DestinationUpdate":{"Prefix":"x/"}}`, ResourceNotFound, []string{"destinationId-000000000001"}},
		{"missing stream", `{"DeliveryStreamName":"nope","CurrentDeliveryStreamVersionId":"1",` + dest + `,"S3DestinationUpdate":{}}`, ResourceNotFound, []string{"Firehose nope under account"}},
		{"bad buffering", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `,"ExtendedS3DestinationUpdate":{"BufferingHints":{"SizeInMBs":129}}}`, Validation, []string{"SizeInMBs"}},
		{"bad compression", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `,"ExtendedS3DestinationUpdate":{"CompressionFormat":"ZIP"}}`, InvalidArgument, []string{"use UNCOMPRESSED, GZIP, Snappy or ZSTD"}},
		{"format conversion", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `,"ExtendedS3DestinationUpdate":{"DataFormatConversionConfiguration":{"Enabled":true}}}`, InvalidArgument, []string{"sluice apply"}},
		{"backup update without backup", `{"DeliveryStreamName":"d","CurrentDeliveryStreamVersionId":"1",` + dest + `,"ExtendedS3DestinationUpdate":{"S3BackupUpdate":{"Prefix":"b/"}}}`, InvalidArgument, []string{"needs S3BackupMode Enabled"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, msg := e.call(t, "UpdateDestination", c.body)
			if typ != c.typ {
				t.Fatalf("%s: %s, want %s", typ, msg, c.typ)
			}
			for _, m := range c.msgs {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q lacks %q", msg, m)
				}
			}
		})
	}
	d := e.describe(t, "d")
	if v, p := aws.ToString(d.VersionId), aws.ToString(d.Destinations[0].ExtendedS3DestinationDescription.Prefix); v != "1" || p != "d/" {
		t.Errorf("after refusals: version %s prefix %q, want 1 and d/", v, p)
	}
}

// An update of another destination type replaces the destination (and
// needs what a create of that type needs); records then go to the new one.
func TestUpdateDestinationChangesType(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "swap")
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			RequestID string `json:"requestId"`
			Records   []struct {
				Data []byte `json:"data"`
			} `json:"records"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		for _, rec := range body.Records {
			got <- string(rec.Data)
		}
		fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d}`, body.RequestID, time.Now().UnixMilli())
	}))
	t.Cleanup(srv.Close)

	update := func(u *types.HttpEndpointDestinationUpdate) error {
		_, err := e.client.UpdateDestination(ctx, &awsfirehose.UpdateDestinationInput{
			DeliveryStreamName: aws.String("swap"), CurrentDeliveryStreamVersionId: e.describe(t, "swap").VersionId,
			DestinationId: aws.String("destinationId-000000000001"), HttpEndpointDestinationUpdate: u,
		})
		return err
	}
	err := update(&types.HttpEndpointDestinationUpdate{BufferingHints: &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1)}})
	if errorCode(err) != Validation || !strings.Contains(err.Error(), "Value null at 'HttpEndpointDestinationUpdate.EndpointConfiguration.Url'") {
		t.Fatalf("a new HTTP destination without its endpoint: %v, want %s naming the update's member", err, Validation)
	}
	err = update(&types.HttpEndpointDestinationUpdate{EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(srv.URL)}})
	if errorCode(err) != Validation || !strings.Contains(err.Error(), "Value null at 'HttpEndpointDestinationUpdate.S3Update'") {
		t.Fatalf("a new HTTP destination without its bucket: %v, want %s naming S3Update", err, Validation)
	}
	if err := update(&types.HttpEndpointDestinationUpdate{
		EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(srv.URL)},
		BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		S3Update:              &types.S3DestinationUpdate{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role)},
	}); err != nil {
		t.Fatal(err)
	}
	d := e.describe(t, "swap")
	if h := d.Destinations[0].HttpEndpointDestinationDescription; h == nil || aws.ToString(h.EndpointConfiguration.Url) != srv.URL || d.Destinations[0].ExtendedS3DestinationDescription != nil {
		t.Fatalf("after the update: %+v", d.Destinations[0])
	}
	if v := aws.ToString(d.VersionId); v != "2" {
		t.Errorf("VersionId %s, want 2", v)
	}
	if _, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("swap"), Record: &types.Record{Data: []byte("to-http")}}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r != "to-http" {
			t.Fatalf("the endpoint got %q", r)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the record never reached the new HTTP destination")
	}
}
