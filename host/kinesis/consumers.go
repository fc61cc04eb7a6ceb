package kinesis

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// ExpiredNextToken is the exception of a ListStreamConsumers NextToken
// older than consumersTokenTTL.
const ExpiredNextToken = "ExpiredNextTokenException"

// ListStreamConsumers paging, Kinesis's.
const (
	listConsumersDefault = 100
	// consumersTokenTTL is how long a NextToken of ListStreamConsumers
	// is good for (AWS: 300 seconds).
	consumersTokenTTL = 300 * time.Second
)

type consumer struct {
	ConsumerName              string       `json:"ConsumerName"`
	ConsumerARN               string       `json:"ConsumerARN"`
	ConsumerStatus            string       `json:"ConsumerStatus"`
	ConsumerCreationTimestamp awsjson.Time `json:"ConsumerCreationTimestamp"`
}

type consumerDescription struct {
	consumer
	StreamARN string `json:"StreamARN"`
}

type registerConsumerInput struct {
	StreamARN    string            `json:"StreamARN"`
	ConsumerName string            `json:"ConsumerName"`
	Tags         map[string]string `json:"Tags"`
}

type registerConsumerOutput struct {
	Consumer consumer `json:"Consumer"`
}

// consumerRefInput names a consumer by ConsumerARN, or by StreamARN and
// ConsumerName (DescribeStreamConsumer, DeregisterStreamConsumer).
type consumerRefInput struct {
	StreamARN    string `json:"StreamARN"`
	ConsumerName string `json:"ConsumerName"`
	ConsumerARN  string `json:"ConsumerARN"`
}

type describeConsumerOutput struct {
	ConsumerDescription consumerDescription `json:"ConsumerDescription"`
}

type listConsumersInput struct {
	StreamARN               string        `json:"StreamARN"`
	NextToken               string        `json:"NextToken"`
	MaxResults              *int32        `json:"MaxResults"`
	StreamCreationTimestamp *awsjson.Time `json:"StreamCreationTimestamp"`
}

type listConsumersOutput struct {
	Consumers []consumer `json:"Consumers"`
	NextToken string     `json:"NextToken,omitempty"`
}

// consumersToken is the content of a ListStreamConsumers NextToken: the
// stream (with its identity), the last consumer listed (registration
// time in ms, name) and when the token was issued (ms).
type consumersToken struct {
	Stream  string `json:"s"`
	ID      uint64 `json:"i"`
	Created int64  `json:"c"`
	Name    string `json:"n"`
	Issued  int64  `json:"t"`
}

func (a *api) wireConsumer(c streams.Consumer) consumer {
	return consumer{
		ConsumerName:              c.Name,
		ConsumerARN:               a.e.ConsumerARN(c),
		ConsumerStatus:            string(c.Status),
		ConsumerCreationTimestamp: awsjson.Time{Time: c.Created},
	}
}

// streamARN resolves a StreamARN (required and checked by the input's
// validate).
func (a *api) streamARN(arn string) (string, error) {
	return a.e.ResolveName("", arn)
}

func (a *api) registerConsumer(ctx context.Context, in *registerConsumerInput) (*registerConsumerOutput, error) {
	name, err := a.streamARN(in.StreamARN)
	if err != nil {
		return nil, err
	}
	c, err := a.e.RegisterConsumer(ctx, name, in.ConsumerName, in.Tags)
	if err != nil {
		return nil, err
	}
	return &registerConsumerOutput{Consumer: a.wireConsumer(c)}, nil
}

// consumerOf finds the consumer a request names: by ConsumerARN, or by
// StreamARN and ConsumerName. With the ARN, the creation time it carries
// must be the consumer's (created is set to it).
func (a *api) consumerOf(in *consumerRefInput) (stream, name string, created *int64, err error) {
	if in.ConsumerARN != "" {
		ref, err := streams.ParseConsumerARN("consumerARN", in.ConsumerARN)
		if err != nil {
			return "", "", nil, err
		}
		if in.StreamARN != "" || in.ConsumerName != "" {
			s, _ := a.e.ResolveName("", in.StreamARN)
			if in.StreamARN != "" && s != ref.Stream || in.ConsumerName != "" && in.ConsumerName != ref.Consumer {
				return "", "", nil, awsjson.Errorf(InvalidArgument, "ConsumerARN %s does not name the consumer that StreamARN and ConsumerName name.", in.ConsumerARN)
			}
		}
		return ref.Stream, ref.Consumer, &ref.Created, nil
	}
	if in.StreamARN == "" || in.ConsumerName == "" {
		return "", "", nil, awsjson.Errorf(InvalidArgument, "Either ConsumerARN or both StreamARN and ConsumerName must be provided.")
	}
	stream, err = a.e.ResolveName("", in.StreamARN)
	if err != nil {
		return "", "", nil, err
	}
	return stream, in.ConsumerName, nil, nil
}

func (a *api) describeConsumer(ctx context.Context, in *consumerRefInput) (*describeConsumerOutput, error) {
	stream, name, created, err := a.consumerOf(in)
	if err != nil {
		return nil, err
	}
	var c streams.Consumer
	if created != nil {
		c, err = a.e.ConsumerByARN(ctx, streams.ConsumerRef{Stream: stream, Consumer: name, Created: *created}, in.ConsumerARN)
	} else {
		c, err = a.e.DescribeConsumer(ctx, stream, name)
	}
	if err != nil {
		return nil, err
	}
	return &describeConsumerOutput{ConsumerDescription: consumerDescription{consumer: a.wireConsumer(c), StreamARN: a.e.ARN(stream)}}, nil
}

func (a *api) deregisterConsumer(ctx context.Context, in *consumerRefInput) (*empty, error) {
	stream, name, created, err := a.consumerOf(in)
	if err != nil {
		return nil, err
	}
	if err := a.e.DeregisterConsumer(ctx, stream, name, created); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

func (a *api) listConsumers(ctx context.Context, in *listConsumersInput) (*listConsumersOutput, error) {
	name, err := a.streamARN(in.StreamARN)
	if err != nil {
		return nil, err
	}
	limit := intOr(in.MaxResults, listConsumersDefault)
	var tok *consumersToken
	if in.NextToken != "" {
		if in.StreamCreationTimestamp != nil {
			return nil, awsjson.Errorf(InvalidArgument, "NextToken and StreamCreationTimestamp cannot be provided together.")
		}
		tok = new(consumersToken)
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || json.Unmarshal(b, tok) != nil || tok.Stream != name {
			return nil, awsjson.Errorf(InvalidArgument, "NextToken is invalid.")
		}
		if age := a.e.Now().Sub(time.UnixMilli(tok.Issued)); age > consumersTokenTTL || age < -consumersTokenTTL {
			return nil, awsjson.Errorf(ExpiredNextToken, "NextToken has expired: it was issued %s ago; tokens are valid for %s.", age.Round(time.Second), consumersTokenTTL)
		}
	}
	s, cs, err := a.e.Consumers(ctx, name)
	if err != nil {
		return nil, err
	}
	if tok != nil && tok.ID != s.ID {
		return nil, awsjson.Errorf(InvalidArgument, "NextToken belongs to a stream that no longer exists.")
	}
	if ts := in.StreamCreationTimestamp; ts != nil && ts.UnixMilli() != s.Created.UnixMilli() {
		return nil, awsjson.Errorf(ResourceNotFound, "Stream %s with creation timestamp %s not found: the stream of that name was created at %s.", name, ts.UTC().Format(time.RFC3339Nano), s.Created.UTC().Format(time.RFC3339Nano))
	}
	order := func(x, y streams.Consumer) int {
		return cmp.Or(x.Created.Compare(y.Created), cmp.Compare(x.Name, y.Name))
	}
	slices.SortFunc(cs, order)
	if tok != nil {
		after := streams.Consumer{Created: time.UnixMilli(tok.Created), Name: tok.Name}
		i, _ := slices.BinarySearchFunc(cs, after, func(c, t streams.Consumer) int {
			if order(c, t) <= 0 {
				return -1
			}
			return 1
		})
		cs = cs[i:]
	}
	out := &listConsumersOutput{Consumers: []consumer{}}
	for i, c := range cs {
		if i == limit {
			last := cs[i-1]
			b, _ := json.Marshal(consumersToken{Stream: name, ID: s.ID, Created: last.Created.UnixMilli(), Name: last.Name, Issued: a.e.Now().UnixMilli()})
			out.NextToken = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		out.Consumers = append(out.Consumers, a.wireConsumer(c))
	}
	return out, nil
}

// refuseWithConsumers refuses DeleteStream of a stream with registered
// consumers unless EnforceConsumerDeletion, as AWS does; with it, the
// consumers go with the stream.
func (a *api) refuseWithConsumers(ctx context.Context, stream string, enforce bool) error {
	if enforce {
		return nil
	}
	n, err := a.e.ConsumerCount(ctx, stream)
	if err != nil || n == 0 {
		return nil // DeleteStream answers for a stream that is not there
	}
	return awsjson.Errorf(ResourceInUse, "Stream %s has %d registered consumers; deregister them or set EnforceConsumerDeletion to delete them with the stream.", stream, n)
}

// consumerCount is DescribeStreamSummary's ConsumerCount (0 if the
// consumers cannot be read: the summary is still right otherwise).
func (a *api) consumerCount(ctx context.Context, stream string) int {
	n, _ := a.e.ConsumerCount(ctx, stream)
	return n
}
