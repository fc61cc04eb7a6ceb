package firehose

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-io/sluice/internal/rofs"
)

// TestCreateRefusesADestinationThatCannotBeWritten creates a delivery
// stream whose bucket folder cannot be created: CreateDeliveryStream
// answers InvalidArgumentException with the reason and creates nothing. A
// destination that is only unreachable (an HTTP endpoint that is down) is
// created.
func TestCreateRefusesADestinationThatCannotBeWritten(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	if err := os.Symlink(rofs.Dir(t), filepath.Join(e.dir, "buckets")); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String("ro"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role)},
	})
	var ae smithy.APIError
	if errorCode(err) != InvalidArgument || !errors.As(err, &ae) || !strings.Contains(ae.ErrorMessage(), "read-only file system") ||
		!strings.Contains(ae.ErrorMessage(), "lake") || strings.HasPrefix(ae.ErrorMessage(), "invalid argument") {
		t.Fatalf("create: %v, want %s saying the bucket's folder is read-only", err, InvalidArgument)
	}
	t.Logf("refused: %s", ae.ErrorMessage())
	if _, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("ro")}); errorCode(err) != ResourceNotFound {
		t.Fatalf("describe after a refused create: %v, want %s", err, ResourceNotFound)
	}

	// The endpoint is down; its error store is writable.
	if err := os.Remove(filepath.Join(e.dir, "buckets")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/"
	_ = l.Close()
	if _, err := e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("down"),
		HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String(down)},
			S3Configuration:       &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role)},
		},
	}); err != nil {
		t.Fatalf("create with the endpoint down: %v", err)
	}
}
