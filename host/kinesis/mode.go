package kinesis

import (
	"context"

	"github.com/sluice-io/sluice/host/streams"
)

type updateStreamModeInput struct {
	streamRef
	StreamModeDetails *streamModeDetailsIn `json:"StreamModeDetails"`
}

func (in *updateStreamModeInput) validate(v *violations) {
	v.stream(in.streamRef)
	v.required("streamModeDetails", in.StreamModeDetails != nil)
	if in.StreamModeDetails != nil {
		v.enum("streamModeDetails.streamMode", in.StreamModeDetails.StreamMode, true, streams.ModeProvisioned, streams.ModeOnDemand)
	}
}

// updateStreamMode switches a stream between PROVISIONED and ON_DEMAND.
// An ON_DEMAND stream then scales itself within the engine's on-demand
// policy. AWS takes only StreamARN here; Sluice takes a StreamName too.
func (a *api) updateStreamMode(ctx context.Context, in *updateStreamModeInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.SetStreamMode(ctx, name, *in.StreamModeDetails.StreamMode, nil)
}
