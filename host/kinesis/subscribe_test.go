package kinesis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

const (
	shard0 = "shardId-000000000000"
	shard1 = "shardId-000000000001"
	shard2 = "shardId-000000000002"
	// waitEvent ends a test that would hang waiting for an event; not a
	// timing assertion.
	waitEvent = 30 * time.Second
)

// TestSubscribeStartingPositions: every starting position type starts
// where GetShardIterator's does, delivers the records in order, and
// follows records put after the subscription started.
func TestSubscribeStartingPositions(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	seqs := e.put(t, "s", "a", "b")
	time.Sleep(20 * time.Millisecond)
	at := time.Now()
	time.Sleep(20 * time.Millisecond)
	e.put(t, "s", "c")
	cases := []struct {
		pos  types.StartingPosition
		want []string
	}{
		{types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}, []string{"a", "b", "c"}},
		{types.StartingPosition{Type: types.ShardIteratorTypeLatest}, nil},
		{types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(seqs[1])}, []string{"b", "c"}},
		{types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(seqs[1])}, []string{"c"}},
		{types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(at)}, []string{"c"}},
		{types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Unix(1, 0))}, []string{"a", "b", "c"}},
	}
	var subs []*subscriber
	for i, c := range cases {
		// A consumer per subscription: a second of one consumer to one
		// shard would be refused.
		subs = append(subs, e.subscribe(t, e.register(t, "s", fmt.Sprint("c", i)), shard0, c.pos))
	}
	e.put(t, "s", "d", "e")
	for i, c := range cases {
		want := append(c.want, "d", "e")
		recs, _ := subs[i].records(len(want))
		if got := dataOf(recs); !slices.Equal(got, want) {
			t.Errorf("%s %d: %v, want %v", c.pos.Type, i, got, want)
		}
	}
}

// TestSubscribeFirstEventAtOnce: the first event comes at once, with no
// records when there are none, and carries a continuation.
func TestSubscribeFirstEventAtOnce(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	sub := e.subscribe(t, e.register(t, "s", "c"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	ev, err := sub.next(streams.SubscriptionHeartbeat / 2)
	if err != nil || len(ev.Records) != 0 || ev.ContinuationSequenceNumber == nil || aws.ToInt64(ev.MillisBehindLatest) != 0 {
		t.Fatalf("first event %+v, %v", ev, err)
	}
}

// TestSubscribeContinuationResumes: an event's ContinuationSequenceNumber
// resumes a subscription with AFTER_SEQUENCE_NUMBER, and a shard
// iterator, with nothing lost and nothing twice, also when the
// subscription delivered nothing yet: on an empty shard, at LATEST and at
// a timestamp on a shard whose neighbour took the records in between
// (the continuation must be one of this shard's sequence numbers, or the
// point before its first record, or AWS's checks refuse it).
func TestSubscribeContinuationResumes(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 2)
	// Records of both shards, interleaved: shard 0 takes hash keys in the
	// lower half.
	putTo := func(shard int, data ...string) {
		t.Helper()
		key := "0"
		if shard == 1 {
			key = "340282366920938463463374607431768211455"
		}
		for _, d := range data {
			if _, err := e.client.PutRecord(context.Background(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"),
				ExplicitHashKey: aws.String(key), Data: []byte(d)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	resumeBoth := func(t *testing.T, name, cont string, want []string) {
		t.Helper()
		sub := e.subscribe(t, e.register(t, "s", name), shard0, types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(cont)})
		recs, _ := sub.records(len(want))
		if got := dataOf(recs); !slices.Equal(got, want) {
			t.Errorf("subscription after %s: %v, want %v", cont, got, want)
		}
		it := e.iterator(t, "s", shard0, types.ShardIteratorTypeAfterSequenceNumber, aws.String(cont), nil)
		if got := dataOf(e.readAll(t, it, 0)); !slices.Equal(got, want) {
			t.Errorf("iterator after %s: %v, want %v", cont, got, want)
		}
	}

	// An empty shard: the point before its first record.
	first := e.subscribe(t, e.register(t, "s", "empty"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	ev, err := first.next(waitEvent)
	if err != nil || len(ev.Records) != 0 || aws.ToString(ev.ContinuationSequenceNumber) != streams.FormatSequence(0) {
		t.Fatalf("empty shard: %+v %v", ev, err)
	}
	emptyCont := *ev.ContinuationSequenceNumber
	putTo(0, "a0")
	putTo(1, "b0", "b1")
	// At LATEST after the neighbour's records.
	latest := e.subscribe(t, e.register(t, "s", "latest"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	ev, err = latest.next(waitEvent)
	if err != nil || len(ev.Records) != 0 {
		t.Fatalf("latest: %+v %v", ev, err)
	}
	latestCont := *ev.ContinuationSequenceNumber
	// At a time after the neighbour's records.
	time.Sleep(20 * time.Millisecond)
	stamp := e.subscribe(t, e.register(t, "s", "stamp"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Now())})
	ev, err = stamp.next(waitEvent)
	if err != nil || len(ev.Records) != 0 {
		t.Fatalf("timestamp: %+v %v", ev, err)
	}
	stampCont := *ev.ContinuationSequenceNumber
	putTo(1, "b2")
	putTo(0, "a1", "a2")
	putTo(1, "b3")
	// A subscription that delivered records: the last one's (after a1,
	// or after a2 when a2 came in the same event).
	recs, midCont := first.records(2)
	all := []string{"a0", "a1", "a2"}
	if got := dataOf(recs); !slices.Equal(got, all[:len(got)]) {
		t.Fatalf("first subscription: %v", got)
	}
	if last := *recs[len(recs)-1].SequenceNumber; midCont != last {
		t.Fatalf("continuation %s after the record %s", midCont, last)
	}
	afterMid := all[len(recs):]

	resumeBoth(t, "from-empty", emptyCont, []string{"a0", "a1", "a2"})
	resumeBoth(t, "from-latest", latestCont, []string{"a1", "a2"})
	resumeBoth(t, "from-stamp", stampCont, []string{"a1", "a2"})
	resumeBoth(t, "from-middle", midCont, afterMid)
}

// TestSubscribeChildShards: a subscription to a shard that a split
// closes delivers the rest of the shard, then an event with the children
// and no continuation, and ends cleanly; the children take the new
// records; a subscription to the closed shard's end gets that last
// event at once.
func TestSubscribeChildShards(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	e.put(t, "s", "before")
	parent := e.subscribe(t, e.register(t, "s", "c"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if recs, _ := parent.records(1); string(recs[0].Data) != "before" {
		t.Fatalf("parent: %q", recs[0].Data)
	}
	if _, err := e.client.SplitShard(context.Background(), &awskinesis.SplitShardInput{StreamName: aws.String("s"),
		ShardToSplit: aws.String(shard0), NewStartingHashKey: aws.String("170141183460469231731687303715884105728")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.PutRecord(context.Background(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"),
		ExplicitHashKey: aws.String("0"), Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	checkLast := func(t *testing.T, sub *subscriber) {
		t.Helper()
		var last *types.SubscribeToShardEvent
		for {
			ev, err := sub.next(waitEvent)
			if err != nil {
				t.Fatalf("before the children: %v", err)
			}
			if len(ev.Records) > 0 {
				t.Fatalf("records after the parent's end: %v", dataOf(ev.Records))
			}
			if ev.ContinuationSequenceNumber == nil {
				last = ev
				break
			}
		}
		var kids []string
		for _, c := range last.ChildShards {
			kids = append(kids, *c.ShardId)
			if !slices.Equal(c.ParentShards, []string{shard0}) || c.HashKeyRange == nil {
				t.Errorf("child %+v", c)
			}
		}
		if !slices.Equal(kids, []string{shard1, shard2}) {
			t.Fatalf("children %v", kids)
		}
		if _, err := sub.next(waitEvent); err != errStreamEnded {
			t.Fatalf("after the last event: %v", err)
		}
	}
	checkLast(t, parent)

	ended := e.subscribe(t, e.register(t, "s", "late"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	checkLast(t, ended)

	child := e.subscribe(t, e.register(t, "s", "child"), shard1, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if recs, _ := child.records(1); string(recs[0].Data) != "after" {
		t.Fatalf("child: %q", recs[0].Data)
	}
}

// TestSubscribeEndsAfterItsDuration: a subscription ends cleanly (no
// exception) once its duration is over.
func TestSubscribeEndsAfterItsDuration(t *testing.T) {
	const duration = 2 * time.Second
	e := startWith(t, "", &clock{}, streams.Config{SubscriptionDuration: duration})
	e.createStream(t, "s", 1)
	begin := time.Now()
	sub := e.subscribe(t, e.register(t, "s", "c"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	for {
		_, err := sub.next(waitEvent)
		if err == errStreamEnded {
			break
		}
		if err != nil {
			t.Fatalf("ended with %v", err)
		}
	}
	if d := time.Since(begin); d < duration {
		t.Fatalf("ended after %v", d)
	}
}

// TestSubscribeInUse: a second subscription of one consumer to one shard
// within 5 s of the first is ResourceInUseException; other consumers and
// shards are not; after 5 s a second one takes over and the first ends
// with ResourceInUseException; one that ends frees the shard at once.
func TestSubscribeInUse(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 2)
	arn := e.register(t, "s", "c")
	latest := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	first := e.subscribe(t, arn, shard0, latest)
	if _, err := e.trySubscribe(t, arn, shard0, latest); errorCode(err) != ResourceInUse {
		t.Fatalf("second subscription: %v", err)
	}
	e.subscribe(t, arn, shard1, latest)
	e.subscribe(t, e.register(t, "s", "other"), shard0, latest)

	e.clock.Advance(streams.SubscriptionTakeover + time.Second)
	second := e.subscribe(t, arn, shard0, latest)
	var inUse *types.ResourceInUseException
	for {
		_, err := first.next(waitEvent)
		if err == nil {
			continue
		}
		if !errors.As(err, &inUse) {
			t.Fatalf("the first subscription ended with %v, want ResourceInUseException", err)
		}
		break
	}
	if err := second.stream.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitEvent)
	for {
		_, err := e.trySubscribe(t, arn, shard0, latest)
		if err == nil {
			break
		}
		if errorCode(err) != ResourceInUse || time.Now().After(deadline) {
			t.Fatalf("after the second ended: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // the server sees the client go
	}
}

// TestSubscribeEndsWhenItsConsumerGoes: deregistering the consumer or
// deleting the stream ends its subscriptions with
// ResourceNotFoundException.
func TestSubscribeEndsWhenItsConsumerGoes(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	arn := e.register(t, "s", "c")
	latest := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	byDeregister := e.subscribe(t, arn, shard0, latest)
	byDelete := e.subscribe(t, e.register(t, "s", "d"), shard0, latest)
	ctx := context.Background()
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	ends := func(what string, sub *subscriber) {
		t.Helper()
		var nf *types.ResourceNotFoundException
		for {
			_, err := sub.next(waitEvent)
			if err == nil {
				continue
			}
			if !errors.As(err, &nf) {
				t.Fatalf("%s: ended with %v, want ResourceNotFoundException", what, err)
			}
			return
		}
	}
	ends("deregistered", byDeregister)
	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	ends("stream deleted", byDelete)
}

// TestSubscribeRefusals: SubscribeToShard refuses bad requests before
// its event stream starts, with AWS's error names.
func TestSubscribeRefusals(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 2)
	arn := e.register(t, "s", "c")
	gone := e.register(t, "s", "gone")
	deleting := e.register(t, "s", "deleting")
	for _, arn := range []string{gone, deleting} {
		if _, err := e.client.DeregisterStreamConsumer(context.Background(), &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		if arn == gone {
			e.clock.Advance(streams.ConsumerTransition)
		}
	}
	reg, err := e.client.RegisterStreamConsumer(context.Background(), &awskinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("creating")})
	if err != nil {
		t.Fatal(err)
	}
	creating := *reg.Consumer.ConsumerARN
	other := e.put(t, "s", "x")[0] // on shard 0 or 1
	otherShard := shard0
	if it := e.iterator(t, "s", shard0, types.ShardIteratorTypeTrimHorizon, nil, nil); len(e.readAll(t, it, 0)) == 1 {
		otherShard = shard1
	}
	cases := []struct {
		name  string
		arn   string
		shard string
		pos   types.StartingPosition
		want  string
	}{
		{"unknown consumer", e.engine.ARN("s") + "/consumer/nope:1", shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest}, ResourceNotFound},
		{"deregistered consumer", gone, shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest}, ResourceNotFound},
		{"creating consumer", creating, shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest}, ResourceInUse},
		{"deleting consumer", deleting, shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest}, ResourceInUse},
		{"malformed ARN", "arn:aws:kinesis:us-east-1:123456789012:stream/s", shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest}, Validation},
		{"missing shard", arn, "shardId-000000000009", types.StartingPosition{Type: types.ShardIteratorTypeLatest}, ResourceNotFound},
		{"bad position type", arn, shard0, types.StartingPosition{Type: "SOMEWHERE"}, Validation},
		{"sequence number missing", arn, shard0, types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber}, InvalidArgument},
		{"another shard's sequence number", arn, otherShard, types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(other)}, InvalidArgument},
		{"timestamp missing", arn, shard0, types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp}, InvalidArgument},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.trySubscribe(t, c.arn, c.shard, c.pos); errorCode(err) != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
	t.Run("no starting position", func(t *testing.T) {
		if got := codeOf(raw(t, e, OpSubscribeToShard, `{"ConsumerARN":"`+arn+`","ShardId":"`+shard0+`"}`)()); got != Validation {
			t.Fatalf("got %q", got)
		}
	})
	// None of them took the shard: a subscription starts at once.
	e.subscribe(t, arn, shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
}

// TestSubscribeThroughputLimit: with Kinesis's read limit enforced, a
// subscription is paced to it (AWS: 2 MiB/s per consumer per shard, here
// 1 MiB/s): 3 MiB take at least 2 s past the first second's burst.
func TestSubscribeThroughputLimit(t *testing.T) {
	e := startWith(t, "", &clock{}, streams.Config{Limits: &streams.Limits{ReadBytes: 1 << 20}})
	e.createStream(t, "s", 1)
	payload := make([]byte, 512<<10)
	for range 6 {
		if _, err := e.client.PutRecord(context.Background(), &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: payload}); err != nil {
			t.Fatal(err)
		}
	}
	begin := time.Now()
	sub := e.subscribe(t, e.register(t, "s", "c"), shard0, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	sub.records(6)
	if d := time.Since(begin); d < 1500*time.Millisecond {
		t.Fatalf("3 MiB at 1 MiB/s in %v", d)
	}
}
