package awsfront

import (
	"context"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/kinesis"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
)

// Target is a Sluice Kinesis API on a JetStream server of its own.
type Target struct {
	t      testing.TB
	URL    string
	Engine *streams.Engine
	Client *awskinesis.Client
}

// StartTarget serves the Kinesis API on a new JetStream server (without
// authentication: the caller's signature is not checked); everything is
// closed by t.Cleanup.
func StartTarget(t testing.TB) *Target {
	t.Helper()
	js := jstest.Start(t, "")
	eng, err := streams.Open(context.Background(), js.Conn, streams.Config{})
	if err != nil {
		t.Fatalf("target engine: %v", err)
	}
	mux := awsjson.NewMux(nil, awsjson.WithMaxBodyBytes(kinesis.MaxRequestBytes))
	kinesis.Register(mux, eng)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = eng.Close()
	})
	c := awskinesis.New(awskinesis.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 3,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTARGET", "target-secret", ""),
	})
	return &Target{t: t, URL: srv.URL, Engine: eng, Client: c}
}

// CreateStream makes a data stream of shards shards on the target.
func (g *Target) CreateStream(name string, shards int) {
	g.t.Helper()
	if err := g.Engine.CreateStream(context.Background(), name, shards); err != nil {
		g.t.Fatalf("target: create %s: %v", name, err)
	}
}

// Got is one record read back from the target.
type Got struct {
	Data, PartitionKey, ShardID, SequenceNumber string
}

// ReadAll reads every record of a stream, shard by shard from
// TRIM_HORIZON with GetRecords, until a read returns nothing.
func (g *Target) ReadAll(stream string) []Got {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shards, err := g.Client.ListShards(ctx, &awskinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		g.t.Fatalf("target: list shards of %s: %v", stream, err)
	}
	var out []Got
	for _, sh := range shards.Shards {
		it, err := g.Client.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			g.t.Fatalf("target: iterator: %v", err)
		}
		iter := it.ShardIterator
		for iter != nil {
			res, err := g.Client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				g.t.Fatalf("target: get records: %v", err)
			}
			for _, r := range res.Records {
				out = append(out, Got{Data: string(r.Data), PartitionKey: aws.ToString(r.PartitionKey), ShardID: aws.ToString(sh.ShardId), SequenceNumber: aws.ToString(r.SequenceNumber)})
			}
			if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Data < out[j].Data })
	return out
}

// Count is how many times each record's data is in a stream.
func (g *Target) Count(stream string) map[string]int {
	out := map[string]int{}
	for _, r := range g.ReadAll(stream) {
		out[r.Data]++
	}
	return out
}
