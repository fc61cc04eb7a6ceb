package kinesis

import (
	"context"

	"github.com/sluice-io/sluice/host/streams"
)

// accountLimit is what DescribeLimits answers for a limit Sluice does
// not have per account: the largest value the field takes. Sluice limits
// shards per stream (streams.Config.MaxShards, 1,024 by default), not per
// account, and has no limit on ON_DEMAND streams.
const accountLimit = 1000000

type describeLimitsOutput struct {
	ShardLimit               int `json:"ShardLimit"`
	OpenShardCount           int `json:"OpenShardCount"`
	OnDemandStreamCount      int `json:"OnDemandStreamCount"`
	OnDemandStreamCountLimit int `json:"OnDemandStreamCountLimit"`
}

// describeLimits counts the open shards and ON_DEMAND streams of the
// server; the limits say there are none per account.
func (a *api) describeLimits(ctx context.Context, _ *empty) (*describeLimitsOutput, error) {
	u, err := a.e.Usage(ctx)
	if err != nil {
		return nil, err
	}
	return &describeLimitsOutput{
		ShardLimit:               accountLimit,
		OpenShardCount:           u.OpenShards,
		OnDemandStreamCount:      u.OnDemandStreams,
		OnDemandStreamCountLimit: accountLimit,
	}, nil
}

type updateMaxRecordSizeInput struct {
	streamRef
	MaxRecordSizeInKiB *int32  `json:"MaxRecordSizeInKiB"`
	StreamId           *string `json:"StreamId"`
}

func (in *updateMaxRecordSizeInput) validate(v *violations) {
	v.stream(in.streamRef)
	v.num("maxRecordSizeInKiB", in.MaxRecordSizeInKiB, true, streams.MinRecordSizeKiB, streams.MaxRecordSizeKiB)
}

// updateMaxRecordSize sets the largest record the stream takes (1 to 10
// MiB): records and a PutRecord up to it, a PutRecords up to 10 MiB once
// it is above 1 MiB. AWS names the stream by StreamARN only; Sluice takes
// a StreamName too.
func (a *api) updateMaxRecordSize(ctx context.Context, in *updateMaxRecordSizeInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.SetMaxRecordSize(ctx, name, int(*in.MaxRecordSizeInKiB))
}

// recordJSONBytes is the most a PutRecords entry's JSON adds beside its
// data's base64 and the partition key its size counts: the member names,
// an ExplicitHashKey of 39 digits, and a partition key of 256 bytes that
// all need escaping (\u0001 is six bytes for one).
const recordJSONBytes = 64 + 39 + 5*streams.MaxPartitionKeyLen

// MaxRequestBytes is the largest request body the Kinesis API reads: a
// PutRecords of streams.MaxLargePutBytes (a stream whose record size was
// raised to 10 MiB) once base64-encoded, with its 500 entries' JSON and
// 64 KiB for the rest (stream names, whitespace). It is about 14.7 MB;
// the server's Mux and its signature check (host/auth) read no more.
const MaxRequestBytes = (streams.MaxLargePutBytes+2)/3*4 + streams.MaxPutRecords*recordJSONBytes + 64<<10
