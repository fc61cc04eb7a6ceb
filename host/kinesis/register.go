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
	// consumerTags tags enhanced fan-out consumers (TagResource on a
	// consumer ARN); nil until consumers exist: their ARNs are not found.
	consumerTags consumerTagger
}

// Register registers every Kinesis operation Sluice serves on m, over
// JSON and CBOR (the Java SDKs' default for Kinesis).
func Register(m *awsjson.Mux, e *streams.Engine, opts ...Option) {
	a := &api{e: e, log: slog.New(slog.DiscardHandler), consumerTags: e}
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
	handle(m, "TagResource", a.tagResource)
	handle(m, "UntagResource", a.untagResource)
	handle(m, "ListTagsForResource", a.listTagsForResource)
	handle(m, "DescribeLimits", a.describeLimits)
	handle(m, "UpdateMaxRecordSize", a.updateMaxRecordSize)
	handle(m, "EnableEnhancedMonitoring", a.enableMonitoring)
	handle(m, "DisableEnhancedMonitoring", a.disableMonitoring)
}

// handle registers a typed operation whose errors go through awsError.
// An input that is a validator has its members checked first, every
// failure reported at once, as AWS's validation layer does.
func handle[In, Out any](m *awsjson.Mux, op string, fn func(context.Context, *In) (*Out, error)) {
	m.Handle(TargetPrefix, op, awsjson.Func(func(ctx context.Context, in *In) (*Out, error) {
		if v, ok := any(in).(validator); ok {
			var vs violations
			v.validate(&vs)
			if err := vs.err(); err != nil {
				return nil, err
			}
		}
		out, err := fn(ctx, in)
		return out, awsError(err)
	}))
}

// name resolves StreamName / StreamARN.
func (a *api) name(r streamRef) (string, error) {
	return a.e.ResolveName(deref(r.StreamName), deref(r.StreamARN))
}

// intOr is an optional integer member (checked by the input's validate),
// def when absent.
func intOr(v *int32, def int) int {
	if v == nil {
		return def
	}
	return int(*v)
}
