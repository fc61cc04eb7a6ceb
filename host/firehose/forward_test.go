package firehose

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluice-io/sluice/host/delivery"
)

// TestForwardDestinationThroughTheAPI: a delivery stream forwarding to a
// Kinesis stream (made by a pipeline file: Firehose has no such
// destination type) is described by its destination id alone, and an
// ExtendedS3DestinationUpdate replaces its destination.
func TestForwardDestinationThroughTheAPI(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	zero := 0
	_, err := e.mgr.Create(ctx, delivery.Definition{
		Name: "fwd", Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestKinesis, Kinesis: &delivery.StreamDest{
			Endpoint: "http://127.0.0.1:1", Stream: "home", AccessKeyID: "AKID", SecretAccessKey: "hidden-secret",
			ErrorStore: &delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: t.TempDir()}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("fwd")})
	if err != nil {
		t.Fatal(err)
	}
	dests := out.DeliveryStreamDescription.Destinations
	if len(dests) != 1 || aws.ToString(dests[0].DestinationId) != destinationID || dests[0].ExtendedS3DestinationDescription != nil || dests[0].HttpEndpointDestinationDescription != nil {
		t.Fatalf("destinations %+v", dests)
	}
	_, err = e.client.UpdateDestination(ctx, &awsfirehose.UpdateDestinationInput{
		DeliveryStreamName: aws.String("fwd"), CurrentDeliveryStreamVersionId: out.DeliveryStreamDescription.VersionId,
		DestinationId: aws.String(destinationID),
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role),
			BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		},
	})
	if err != nil {
		t.Fatalf("update to S3: %v", err)
	}
	def, _, err := e.mgr.Describe(ctx, "fwd")
	if err != nil {
		t.Fatal(err)
	}
	if def.Destination.Kind != delivery.DestFolder || def.Destination.Kinesis != nil {
		t.Fatalf("destination after the update %+v", def.Destination)
	}
}
