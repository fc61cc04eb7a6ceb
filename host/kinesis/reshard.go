package kinesis

import "context"

type splitShardInput struct {
	streamRef
	ShardToSplit       *string `json:"ShardToSplit"`
	NewStartingHashKey *string `json:"NewStartingHashKey"`
}

type mergeShardsInput struct {
	streamRef
	ShardToMerge         *string `json:"ShardToMerge"`
	AdjacentShardToMerge *string `json:"AdjacentShardToMerge"`
}

type updateShardCountInput struct {
	streamRef
	TargetShardCount *int32  `json:"TargetShardCount"`
	ScalingType      *string `json:"ScalingType"`
}

type updateShardCountOutput struct {
	StreamName        string `json:"StreamName"`
	StreamARN         string `json:"StreamARN"`
	CurrentShardCount int    `json:"CurrentShardCount"`
	TargetShardCount  int    `json:"TargetShardCount"`
}

func (a *api) splitShard(ctx context.Context, in *splitShardInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.SplitShard(ctx, name, *in.ShardToSplit, *in.NewStartingHashKey)
}

func (a *api) mergeShards(ctx context.Context, in *mergeShardsInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.MergeShards(ctx, name, *in.ShardToMerge, *in.AdjacentShardToMerge)
}

func (a *api) updateShardCount(ctx context.Context, in *updateShardCountInput) (*updateShardCountOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	before, err := a.e.DescribeStream(ctx, name)
	if err != nil {
		return nil, err
	}
	target := int(*in.TargetShardCount)
	if err := a.e.UpdateShardCount(ctx, name, target); err != nil {
		return nil, err
	}
	return &updateShardCountOutput{StreamName: name, StreamARN: a.e.ARN(name), CurrentShardCount: before.OpenShards(), TargetShardCount: target}, nil
}
