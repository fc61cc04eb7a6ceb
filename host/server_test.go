package host

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/internal/awstest"
)

func open(t testing.TB, cfg Config) (*Server, *kinesis.Client) {
	t.Helper()
	cfg.DataDir, cfg.HTTPAddr = t.TempDir(), "127.0.0.1:0"
	if cfg.OutputRoot == "" {
		cfg.OutputRoot = os.TempDir() // the tests' folders are made by t.TempDir
	}
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	kc := kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String("http://" + srv.HTTPAddr()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:   awstest.SDKHTTPClient(), // subscriptions stay open: see there
	})
	return srv, kc
}

// putFast writes n batches of 500 small records to a one-shard stream as
// fast as it can and returns how many records were refused.
func putFast(t *testing.T, kc *kinesis.Client, batches int) int {
	t.Helper()
	ctx := context.Background()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	refused := 0
	for b := range batches {
		recs := make([]types.PutRecordsRequestEntry, 500)
		for i := range recs {
			recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: fmt.Appendf(nil, "%d-%d", b, i)}
		}
		out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Records {
			if r.ErrorCode != nil {
				if *r.ErrorCode != "ProvisionedThroughputExceededException" {
					t.Fatalf("error code %s: %s", *r.ErrorCode, aws.ToString(r.ErrorMessage))
				}
				refused++
			}
		}
	}
	return refused
}

// TestShardLimits: with --shard-limits, 5,000 records sent at once into one
// shard (a shard takes 1,000 a second) are partly refused with
// ProvisionedThroughputExceededException; without it, none are.
func TestShardLimits(t *testing.T) {
	_, kc := open(t, Config{ShardLimits: true})
	if refused := putFast(t, kc, 10); refused == 0 {
		t.Fatal("no record was throttled with shard limits on")
	}
	_, kc = open(t, Config{})
	if refused := putFast(t, kc, 10); refused != 0 {
		t.Fatalf("%d records throttled with shard limits off", refused)
	}
}
