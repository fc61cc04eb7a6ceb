package kinesis

import (
	"context"

	"github.com/sluice-io/sluice/host/streams"
)

type enhancedMonitoringInput struct {
	streamRef
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
	StreamId          *string  `json:"StreamId"`
}

type enhancedMonitoringOutput struct {
	StreamName               string   `json:"StreamName"`
	StreamARN                string   `json:"StreamARN"`
	CurrentShardLevelMetrics []string `json:"CurrentShardLevelMetrics"`
	DesiredShardLevelMetrics []string `json:"DesiredShardLevelMetrics"`
}

func (in *enhancedMonitoringInput) validate(v *violations) {
	v.metrics(in.ShardLevelMetrics)
	v.stream(in.streamRef)
}

func (a *api) enableMonitoring(ctx context.Context, in *enhancedMonitoringInput) (*enhancedMonitoringOutput, error) {
	return a.monitoring(ctx, in, true)
}

func (a *api) disableMonitoring(ctx context.Context, in *enhancedMonitoringInput) (*enhancedMonitoringOutput, error) {
	return a.monitoring(ctx, in, false)
}

// monitoring turns shard-level metrics on or off: the engine then serves
// them on /metrics (streams.Engine.Collector). The answer holds the
// metrics before (Current) and after (Desired), as AWS's does.
func (a *api) monitoring(ctx context.Context, in *enhancedMonitoringInput, enable bool) (*enhancedMonitoringOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	before, after, err := a.e.SetShardLevelMetrics(ctx, name, in.ShardLevelMetrics, enable)
	if err != nil {
		return nil, err
	}
	return &enhancedMonitoringOutput{StreamName: name, StreamARN: a.e.ARN(name), CurrentShardLevelMetrics: before, DesiredShardLevelMetrics: after}, nil
}

// enhancedMonitoring is DescribeStream's EnhancedMonitoring of a stream.
func enhancedMonitoring(s *streams.Stream) []enhancedMetrics {
	m := s.ShardLevelMetrics
	if m == nil {
		m = []string{}
	}
	return []enhancedMetrics{{ShardLevelMetrics: m}}
}
