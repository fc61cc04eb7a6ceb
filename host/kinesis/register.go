package kinesis

import (
	"context"
	"log/slog"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// TargetPrefix is the X-Amz-Target prefix of the Kinesis API.
const TargetPrefix = "Kinesis_20131202"

// api holds the engine the operations run on.
type api struct {
	e         *streams.Engine
	encrypted bool // see WithEncryptionAtRest
	log       *slog.Logger
}

// Register registers every Kinesis operation Sluice serves on m, over
// JSON and CBOR (the Java SDKs' default for Kinesis).
func Register(m *awsjson.Mux, e *streams.Engine, opts ...Option) {
	a := &api{e: e, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(a)
	}
	m.AllowCBOR(TargetPrefix)
	registerNotServed(m)
	handle(m, "CreateStream", a.createStream)
	handle(m, "DeleteStream", a.deleteStream)
	handle(m, "ListStreams", a.listStreams)
	handle(m, "DescribeStream", a.describeStream)
	handle(m, "DescribeStreamSummary", a.describeStreamSummary)
	handle(m, "ListShards", a.listShards)
	handle(m, "PutRecord", a.putRecord)
	handle(m, "PutRecords", a.putRecords)
	handle(m, "GetShardIterator", a.getShardIterator)
	handle(m, "GetRecords", a.getRecords)
	handle(m, "IncreaseStreamRetentionPeriod", a.increaseRetention)
	handle(m, "DecreaseStreamRetentionPeriod", a.decreaseRetention)
	handle(m, "AddTagsToStream", a.addTags)
	handle(m, "RemoveTagsFromStream", a.removeTags)
	handle(m, "ListTagsForStream", a.listTags)
	handle(m, "SplitShard", a.splitShard)
	handle(m, "MergeShards", a.mergeShards)
	handle(m, "UpdateShardCount", a.updateShardCount)
	handle(m, "UpdateStreamMode", a.updateStreamMode)
	handle(m, "StartStreamEncryption", a.startEncryption)
	handle(m, "StopStreamEncryption", a.stopEncryption)
	registerFanOut(m, a)
}

// handle registers a typed operation whose errors go through awsError.
func handle[In, Out any](m *awsjson.Mux, op string, fn func(context.Context, *In) (*Out, error)) {
	m.Handle(TargetPrefix, op, awsjson.Func(func(ctx context.Context, in *In) (*Out, error) {
		out, err := fn(ctx, in)
		return out, awsError(err)
	}))
}

// name resolves StreamName / StreamARN.
func (a *api) name(r streamRef) (string, error) {
	return a.e.ResolveName(r.StreamName, r.StreamARN)
}

// intIn reads an optional integer field bounded to lo..hi, def when absent.
func intIn(v *int32, field string, lo, hi, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	n := int(*v)
	if n < lo || n > hi {
		return 0, awsjson.Errorf(Validation, "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d", n, field, lo, hi)
	}
	return n, nil
}

// required refuses an absent field.
func required(present bool, field string) error {
	if present {
		return nil
	}
	return awsjson.Errorf(Validation, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

func nonEmpty(s, field string) error { return required(s != "", field) }
