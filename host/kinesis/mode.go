package kinesis

import "context"

type updateStreamModeInput struct {
	streamRef
	StreamModeDetails *streamModeDetails `json:"StreamModeDetails"`
}

// updateStreamMode switches a stream between PROVISIONED and ON_DEMAND.
// An ON_DEMAND stream then scales itself within the engine's on-demand
// policy. AWS takes only StreamARN here; Sluice takes a StreamName too.
func (a *api) updateStreamMode(ctx context.Context, in *updateStreamModeInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	if err := required(in.StreamModeDetails != nil, "streamModeDetails"); err != nil {
		return nil, err
	}
	return &empty{}, a.e.SetStreamMode(ctx, name, in.StreamModeDetails.StreamMode, nil)
}
