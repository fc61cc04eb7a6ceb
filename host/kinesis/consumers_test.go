package kinesis

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

var consumerARN = regexp.MustCompile(`^arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c1:[0-9]+$`)

// TestConsumerLifecycle: a consumer is registered CREATING with an ARN
// as AWS forms it, ACTIVE ConsumerTransition later (only then does it
// subscribe or deregister), found by ARN and by stream and name, listed
// and counted, refused a second time, and DELETING once deregistered
// (holding its name, refusing subscriptions), then gone.
func TestConsumerLifecycle(t *testing.T) {
	e := start(t, "")
	ctx := context.Background()
	e.createStream(t, "s", 1)
	before := time.Now().Add(-time.Second)
	reg, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	c := reg.Consumer
	if !consumerARN.MatchString(*c.ConsumerARN) || c.ConsumerStatus != types.ConsumerStatusCreating || *c.ConsumerName != "c1" {
		t.Fatalf("registered %+v", c)
	}
	status := func() types.ConsumerStatus {
		t.Helper()
		d, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
		if errorCode(err) == ResourceNotFound {
			return "gone"
		}
		if err != nil {
			t.Fatal(err)
		}
		return d.ConsumerDescription.ConsumerStatus
	}
	subscribe := func() string {
		_, err := e.trySubscribe(t, *c.ConsumerARN, shard0, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
		return errorCode(err)
	}
	if s := status(); s != types.ConsumerStatusCreating {
		t.Fatalf("just registered: %s", s)
	}
	if got := subscribe(); got != ResourceInUse {
		t.Fatalf("subscribing while CREATING: %q", got)
	}
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); errorCode(err) != ResourceInUse {
		t.Fatalf("deregistering while CREATING: %v", err)
	}
	e.clock.Advance(streams.ConsumerTransition)
	if s := status(); s != types.ConsumerStatusActive {
		t.Fatalf("after %v: %s", streams.ConsumerTransition, s)
	}
	if c.ConsumerCreationTimestamp.Before(before) || !strings.HasSuffix(*c.ConsumerARN, fmt.Sprintf(":%d", c.ConsumerCreationTimestamp.Unix())) {
		t.Fatalf("creation %v, ARN %s", c.ConsumerCreationTimestamp, *c.ConsumerARN)
	}
	for _, in := range []*awskinesis.DescribeStreamConsumerInput{
		{ConsumerARN: c.ConsumerARN},
		{StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("c1")},
	} {
		d, err := e.client.DescribeStreamConsumer(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		cd := d.ConsumerDescription
		if *cd.ConsumerARN != *c.ConsumerARN || cd.ConsumerStatus != types.ConsumerStatusActive || *cd.StreamARN != e.engine.ARN("s") ||
			!cd.ConsumerCreationTimestamp.Equal(*c.ConsumerCreationTimestamp) {
			t.Fatalf("described %+v", cd)
		}
	}
	list, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(e.engine.ARN("s"))})
	if err != nil || len(list.Consumers) != 1 || *list.Consumers[0].ConsumerARN != *c.ConsumerARN || list.NextToken != nil {
		t.Fatalf("list %+v %v", list, err)
	}
	sum, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	if err != nil || aws.ToInt32(sum.StreamDescriptionSummary.ConsumerCount) != 1 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	_, err = e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("c1")})
	if errorCode(err) != ResourceInUse {
		t.Fatalf("second registration: %v", err)
	}
	if got := subscribe(); got != "" {
		t.Fatalf("subscribing while ACTIVE: %q", got)
	}
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != types.ConsumerStatusDeleting {
		t.Fatalf("just deregistered: %s", s)
	}
	if got := subscribe(); got != ResourceInUse {
		t.Fatalf("subscribing while DELETING: %q", got)
	}
	for _, in := range []*awskinesis.DeregisterStreamConsumerInput{{ConsumerARN: c.ConsumerARN}, {StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("c1")}} {
		if _, err := e.client.DeregisterStreamConsumer(ctx, in); errorCode(err) != ResourceInUse {
			t.Fatalf("deregistering while DELETING: %v", err)
		}
	}
	_, err = e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("c1")})
	if errorCode(err) != ResourceInUse {
		t.Fatalf("registering the name while DELETING: %v", err)
	}
	e.clock.Advance(streams.ConsumerTransition)
	if s := status(); s != "gone" {
		t.Fatalf("after %v DELETING: %s", streams.ConsumerTransition, s)
	}
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{
		StreamARN: aws.String(e.engine.ARN("s")), ConsumerName: aws.String("c1")}); errorCode(err) != ResourceNotFound {
		t.Fatalf("deregister again: %v", err)
	}
}

// TestConsumerRefusals: bad input to the consumer operations gets AWS's
// error names and changes nothing.
func TestConsumerRefusals(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	arn := e.register(t, "s", "c")
	ctx := context.Background()
	streamARN := aws.String(e.engine.ARN("s"))
	staleARN := arn[:strings.LastIndex(arn, ":")+1] + "12345"
	long := strings.Repeat("x", 129)
	tooManyTags := map[string]string{}
	for i := range 51 {
		tooManyTags[fmt.Sprint(i)] = "v"
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"register without StreamARN", raw(t, e, "RegisterStreamConsumer", `{"ConsumerName":"x"}`), Validation},
		{"register with a bad StreamARN", func() error {
			_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String("s"), ConsumerName: aws.String("x")})
			return err
		}, Validation},
		{"register without a name", raw(t, e, "RegisterStreamConsumer", `{"StreamARN":"`+*streamARN+`"}`), Validation},
		{"register a bad name", func() error {
			_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("a b")})
			return err
		}, Validation},
		{"register a long name", func() error {
			_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String(long)})
			return err
		}, Validation},
		{"register with 51 tags", func() error {
			_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("x"), Tags: tooManyTags})
			return err
		}, InvalidArgument}, // as CreateStream: more than a stream (or consumer) may carry
		{"register on a missing stream", func() error {
			_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: aws.String(e.engine.ARN("nope")), ConsumerName: aws.String("x")})
			return err
		}, ResourceNotFound},
		{"describe naming nothing", func() error {
			_, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{StreamARN: streamARN})
			return err
		}, InvalidArgument},
		{"describe a malformed ARN", func() error {
			_, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(e.engine.ARN("s") + "/consumer/c")})
			return err
		}, Validation},
		{"describe an ARN of another registration", func() error {
			_, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(staleARN)})
			return err
		}, ResourceNotFound},
		{"describe with an ARN and another name", func() error {
			_, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn), ConsumerName: aws.String("other")})
			return err
		}, InvalidArgument},
		{"deregister a stale ARN", func() error {
			_, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(staleARN)})
			return err
		}, ResourceNotFound},
		{"list without StreamARN", raw(t, e, "ListStreamConsumers", `{}`), Validation},
		{"list 0", func() error {
			_, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, MaxResults: aws.Int32(0)})
			return err
		}, Validation},
		{"list with a bad token", func() error {
			_, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, NextToken: aws.String("garbage")})
			return err
		}, InvalidArgument},
		{"list with a token and a creation time", func() error {
			_, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, NextToken: aws.String("x"), StreamCreationTimestamp: aws.Time(time.Now())})
			return err
		}, InvalidArgument},
		{"list another creation of the stream", func() error {
			_, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, StreamCreationTimestamp: aws.Time(time.Unix(1, 0))})
			return err
		}, ResourceNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := codeOf(c.call()); got != c.want {
				t.Fatalf("got %q, want %s", got, c.want)
			}
		})
	}
	list, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN})
	if err != nil || len(list.Consumers) != 1 || *list.Consumers[0].ConsumerARN != arn {
		t.Fatalf("after the refusals: %+v %v", list, err)
	}
}

// rawError is the error name of a raw request's answer.
type rawError string

func (r rawError) Error() string { return string(r) }

// raw is a call that posts body to op as it is (what the SDK's own
// validation would not send) and returns its error name.
func raw(t testing.TB, e *env, op, body string) func() error {
	return func() error {
		status, out, _ := e.raw(t, TargetPrefix+"."+op, []byte(body))
		if status == 200 {
			return nil
		}
		var ae struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(out, &ae)
		return rawError(ae.Type)
	}
}

// codeOf is the AWS error name of err, from the SDK or from raw.
func codeOf(err error) string {
	if r, ok := err.(rawError); ok {
		return string(r)
	}
	return errorCode(err)
}

// TestConsumerLimit: a stream takes 20 consumers, the 21st is
// LimitExceededException, also when 30 register at once (the limit is a
// compare-and-set of the stream's consumer list), and a deregistration
// makes room once the consumer is gone (DELETING, it still counts).
func TestConsumerLimit(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		ok, limited     int
		other           []error
		ctx, streamARN  = context.Background(), aws.String(e.engine.ARN("s"))
		consumersToMake = 30
	)
	for i := range consumersToMake {
		wg.Go(func() {
			var err error
			for range 10 { // ResourceInUse: the list changed under it too often; retry as a client would
				_, err = e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String(fmt.Sprintf("c%02d", i))})
				if errorCode(err) != ResourceInUse {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			switch errorCode(err) {
			case "":
				ok++
			case LimitExceeded:
				limited++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	if ok != streams.MaxConsumers || limited != consumersToMake-streams.MaxConsumers || len(other) > 0 {
		t.Fatalf("%d registered, %d limited, others %v", ok, limited, other)
	}
	_, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("one-more")})
	if errorCode(err) != LimitExceeded {
		t.Fatalf("21st: %v", err)
	}
	list, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN})
	if err != nil || len(list.Consumers) != streams.MaxConsumers {
		t.Fatalf("list: %d %v", len(list.Consumers), err)
	}
	e.clock.Advance(streams.ConsumerTransition)
	if _, err := e.client.DeregisterStreamConsumer(ctx, &awskinesis.DeregisterStreamConsumerInput{ConsumerARN: list.Consumers[3].ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("one-more")})
	if errorCode(err) != LimitExceeded {
		t.Fatalf("while one is DELETING: %v", err)
	}
	e.clock.Advance(streams.ConsumerTransition)
	if _, err := e.client.RegisterStreamConsumer(ctx, &awskinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String("one-more")}); err != nil {
		t.Fatalf("after a deregistration: %v", err)
	}
}

// TestListConsumersPaging: ListStreamConsumers pages in registration
// order with MaxResults and NextToken, takes StreamCreationTimestamp, and
// refuses a token older than 300 s with ExpiredNextTokenException.
func TestListConsumersPaging(t *testing.T) {
	e := start(t, "")
	e.createStream(t, "s", 1)
	for i := range 20 {
		e.register(t, "s", fmt.Sprintf("c-%c", 'z'-i))
	}
	ctx, streamARN := context.Background(), aws.String(e.engine.ARN("s"))
	all, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN})
	if err != nil || len(all.Consumers) != 20 || all.NextToken != nil {
		t.Fatalf("one page: %d %v", len(all.Consumers), err)
	}
	var want []string
	for i, c := range all.Consumers {
		want = append(want, *c.ConsumerName)
		if i > 0 && c.ConsumerCreationTimestamp.Before(*all.Consumers[i-1].ConsumerCreationTimestamp) {
			t.Fatalf("not in registration order: %v", want)
		}
	}
	sum, err := e.client.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var pages []int
	in := &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, MaxResults: aws.Int32(7), StreamCreationTimestamp: sum.StreamDescriptionSummary.StreamCreationTimestamp}
	for {
		out, err := e.client.ListStreamConsumers(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(out.Consumers))
		for _, c := range out.Consumers {
			got = append(got, *c.ConsumerName)
		}
		if out.NextToken == nil {
			break
		}
		in = &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, MaxResults: aws.Int32(7), NextToken: out.NextToken}
	}
	if !slices.Equal(got, want) || !slices.Equal(pages, []int{7, 7, 6}) {
		t.Fatalf("pages %v: %v, want %v", pages, got, want)
	}
	out, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, MaxResults: aws.Int32(5)})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(301 * time.Second)
	_, err = e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: streamARN, NextToken: out.NextToken})
	if errorCode(err) != ExpiredNextToken {
		t.Fatalf("a token of 301 s: %v", err)
	}
}

// TestConsumersSurviveRestart: consumers are in JetStream, so a restart
// keeps them with their ARNs, and they subscribe as before.
func TestConsumersSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, dir)
	e.createStream(t, "s", 1)
	arn := e.register(t, "s", "c")
	e.register(t, "s", "d")
	e.put(t, "s", "kept")
	e.stop()

	e = startWith(t, dir, e.clock, streams.Config{})
	list, err := e.client.ListStreamConsumers(context.Background(), &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(e.engine.ARN("s"))})
	if err != nil || len(list.Consumers) != 2 || *list.Consumers[0].ConsumerARN != arn || list.Consumers[0].ConsumerStatus != types.ConsumerStatusActive {
		t.Fatalf("after restart: %+v %v", list, err)
	}
	sub := e.subscribe(t, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if recs, _ := sub.records(1); string(recs[0].Data) != "kept" {
		t.Fatalf("read %q", recs[0].Data)
	}
}

// TestConsumersGoWithTheirStream: DeleteStream refuses a stream with
// consumers unless EnforceConsumerDeletion, as AWS does; with it the
// consumers go too, and a stream created again under the name has none.
func TestConsumersGoWithTheirStream(t *testing.T) {
	e := start(t, "")
	ctx := context.Background()
	e.createStream(t, "s", 1)
	arn := e.register(t, "s", "c")
	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s")}); errorCode(err) != ResourceInUse {
		t.Fatalf("delete with a consumer: %v", err)
	}
	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("s"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	e.createStream(t, "s", 1)
	list, err := e.client.ListStreamConsumers(ctx, &awskinesis.ListStreamConsumersInput{StreamARN: aws.String(e.engine.ARN("s"))})
	if err != nil || len(list.Consumers) != 0 {
		t.Fatalf("the new stream's consumers: %+v %v", list, err)
	}
	if _, err := e.client.DescribeStreamConsumer(ctx, &awskinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)}); errorCode(err) != ResourceNotFound {
		t.Fatalf("the old consumer: %v", err)
	}
	e.register(t, "s", "c")
}
