package firehose

import (
	"context"
	"encoding/json"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
)

// TargetPrefix is the X-Amz-Target prefix of the Firehose API.
const TargetPrefix = "Firehose_20150804"

// Manager is what the API needs of host/delivery's Manager.
type Manager interface {
	CreateTagged(ctx context.Context, def delivery.Definition, tags []delivery.Tag) (*delivery.Definition, error)
	Update(ctx context.Context, def delivery.Definition, version int) (*delivery.Definition, error)
	Delete(ctx context.Context, name string) error
	Describe(ctx context.Context, name string) (*delivery.Definition, delivery.Status, error)
	List(ctx context.Context) ([]string, error)
	Put(ctx context.Context, name string, records [][]byte) ([]delivery.PutResult, error)
	Tag(ctx context.Context, name string, tags []delivery.Tag) error
	Untag(ctx context.Context, name string, keys []string) error
	Tags(ctx context.Context, name string) ([]delivery.Tag, error)
}

var _ Manager = (*delivery.Manager)(nil)

// Config says how the API names things and where S3 destinations go.
type Config struct {
	// Region and AccountID shape ARNs; they must match the manager's and
	// the data streams'.
	Region, AccountID string
	// ObjectStore returns the destination holding a bucket, named by an
	// S3 destination's BucketARN (arn:aws:s3:::BUCKET): a folder under the
	// server's data directory, or the server's S3-compatible endpoint. Its
	// error is answered as InvalidArgumentException. Nil refuses every S3
	// destination.
	ObjectStore func(bucket string) (delivery.Destination, error)
	// EncryptedAtRest says the server encrypts everything JetStream holds
	// (the direct-put records of every delivery stream among it):
	// DescribeDeliveryStream then shows DeliveryStreamEncryptionConfiguration
	// ENABLED, puts answer Encrypted true, StartDeliveryStreamEncryption
	// succeeds without changing anything and StopDeliveryStreamEncryption
	// is refused; without it, the other way round. The server encrypts
	// everything or nothing.
	EncryptedAtRest bool
}

// api holds what the operations run on.
type api struct {
	mgr Manager
	cfg Config
}

// Register registers every Firehose operation Sluice serves on m.
func Register(m *awsjson.Mux, mgr Manager, cfg Config) {
	a := &api{mgr: mgr, cfg: cfg}
	// CreateDeliveryStream reads the raw body too, to refuse fields it
	// does not know.
	m.Handle(TargetPrefix, "CreateDeliveryStream", awsjson.HandlerFunc(func(ctx context.Context, body []byte) (any, error) {
		in := new(createInput)
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		if err := check(in); err != nil {
			return nil, err
		}
		out, err := a.create(ctx, body, in)
		return out, a.awsError(err)
	}))
	// UpdateDestination reads the raw body too, for the same reason.
	m.Handle(TargetPrefix, "UpdateDestination", awsjson.HandlerFunc(func(ctx context.Context, body []byte) (any, error) {
		in := new(updateInput)
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		if err := check(in); err != nil {
			return nil, err
		}
		out, err := a.updateDestination(ctx, body, in)
		return out, a.awsError(err)
	}))
	handle(m, a, "DescribeDeliveryStream", a.describe)
	handle(m, a, "ListDeliveryStreams", a.list)
	handle(m, a, "DeleteDeliveryStream", a.delete)
	handle(m, a, "PutRecord", a.putRecord)
	handle(m, a, "PutRecordBatch", a.putRecordBatch)
	handle(m, a, "TagDeliveryStream", a.tag)
	handle(m, a, "UntagDeliveryStream", a.untag)
	handle(m, a, "ListTagsForDeliveryStream", a.listTags)
	handle(m, a, "StartDeliveryStreamEncryption", a.startEncryption)
	handle(m, a, "StopDeliveryStreamEncryption", a.stopEncryption)
}

// handle registers a typed operation whose errors go through awsError;
// an input that is a validator is checked first (every failure reported
// at once, as AWS's validation layer does).
func handle[In, Out any](m *awsjson.Mux, a *api, op string, fn func(context.Context, *In) (*Out, error)) {
	m.Handle(TargetPrefix, op, awsjson.Func(func(ctx context.Context, in *In) (*Out, error) {
		if err := check(in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		return out, a.awsError(err)
	}))
}

// check runs an input's validate, if it has one.
func check(in any) error {
	v, ok := in.(validator)
	if !ok {
		return nil
	}
	var vs awsjson.Violations
	v.validate(&vs)
	return vs.Err()
}

// Translate turns a CreateDeliveryStream request body into the Definition
// it asks for, or fails with an *awsjson.Error (SerializationException,
// ValidationException or InvalidArgumentException naming the field).
func (c Config) Translate(body []byte) (delivery.Definition, error) {
	in := new(createInput)
	if err := awsjson.Decode(body, in); err != nil {
		return delivery.Definition{}, err
	}
	return c.translate(json.RawMessage(body), in)
}
