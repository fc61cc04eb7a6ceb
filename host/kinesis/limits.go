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
