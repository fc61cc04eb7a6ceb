package kinesis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/awstest"
)

// register registers a consumer of stream, moves the clock past its
// CREATING time, and returns its ARN once it is ACTIVE.
func (e *env) register(t testing.TB, stream, name string) string {
	t.Helper()
	ctx := context.Background()
	out, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN(stream)), ConsumerName: aws.String(name)})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	e.clock.Advance(streams.ConsumerTransition)
	d, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: out.Consumer.ConsumerARN})
	if err != nil || d.ConsumerDescription.ConsumerStatus != types.ConsumerStatusActive {
		t.Fatalf("register %s: not ACTIVE after %v: %+v %v", name, streams.ConsumerTransition, d, err)
	}
	return *out.Consumer.ConsumerARN
}

// put writes records with the given keys and data to stream and returns
// their sequence numbers.
func (e *env) put(t testing.TB, stream string, data ...string) []string {
	t.Helper()
	var seqs []string
	for _, d := range data {
		out, err := e.client.PutRecord(context.Background(), &awskinesis.PutRecordInput{
			StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: []byte(d)})
		if err != nil {
			t.Fatalf("put: %v", err)
		}
		seqs = append(seqs, *out.SequenceNumber)
	}
	return seqs
}

// subscriber reads a subscription's events as the SDK decodes them.
type subscriber struct {
	t      testing.TB
	stream *awskinesis.SubscribeToShardEventStream
	out    *awskinesis.SubscribeToShardOutput
}

// subscribe calls SubscribeToShard with the SDK; it fails the test on an
// error (use trySubscribe to see one).
func (e *env) subscribe(t testing.TB, arn, shard string, pos types.StartingPosition) *subscriber {
	t.Helper()
	s, err := e.trySubscribe(t, arn, shard, pos)
	if err != nil {
		t.Fatalf("subscribe %s %s: %v", shard, pos.Type, err)
	}
	return s
}

// trySubscribe subscribes with a client of its own: the SDK's clients
// share one event stream decoder between their subscriptions, unsafely
// (aws/smithy-go#714).
func (e *env) trySubscribe(t testing.TB, arn, shard string, pos types.StartingPosition) (*subscriber, error) {
	return subscribeWith(t, e.newClient(), arn, shard, pos)
}

// newClient is a Kinesis client of its own for the endpoint.
func (e *env) newClient() *awskinesis.Client {
	return awskinesis.New(awskinesis.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(e.http.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       awstest.SDKHTTPClient(),
	})
}

func subscribeWith(t testing.TB, c *awskinesis.Client, arn, shard string, pos types.StartingPosition) (*subscriber, error) {
	t.Helper()
	out, err := c.SubscribeToShard(context.Background(), &awskinesis.SubscribeToShardInput{
		ConsumerARN: aws.String(arn), ShardId: aws.String(shard), StartingPosition: &pos})
	if err != nil {
		return nil, err
	}
	s := &subscriber{t: t, stream: out.GetStream(), out: out}
	t.Cleanup(func() { _ = s.stream.Close() })
	return s, nil
}

// errStreamEnded is what next returns once the stream ended cleanly.
var errStreamEnded = errors.New("event stream ended")

// next returns the next event, errStreamEnded when the stream ended
// cleanly, or the stream's error (an exception event).
func (s *subscriber) next(wait time.Duration) (*types.SubscribeToShardEvent, error) {
	s.t.Helper()
	select {
	case ev, ok := <-s.stream.Events():
		if !ok {
			if err := s.stream.Err(); err != nil {
				return nil, err
			}
			return nil, errStreamEnded
		}
		e, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			s.t.Fatalf("unexpected event %T", ev)
		}
		return &e.Value, nil
	case <-time.After(wait):
		s.t.Fatalf("no event in %v", wait)
		return nil, nil
	}
}

// records reads events until n records came, and returns them with the
// last event's continuation.
func (s *subscriber) records(n int) ([]types.Record, string) {
	s.t.Helper()
	var out []types.Record
	cont := ""
	// Heartbeats come every few seconds: a deadline for the whole read
	// ends a test that waits for records that never come.
	deadline := time.Now().Add(waitEvent)
	for len(out) < n {
		if time.Now().After(deadline) {
			s.t.Fatalf("%d of %d records in %v", len(out), n, waitEvent)
		}
		ev, err := s.next(waitEvent)
		if err != nil {
			s.t.Fatalf("after %d of %d records: %v", len(out), n, err)
		}
		out = append(out, ev.Records...)
		cont = aws.ToString(ev.ContinuationSequenceNumber)
	}
	return out, cont
}

func dataOf(recs []types.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Data))
	}
	return out
}
