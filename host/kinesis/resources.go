package kinesis

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// TagResource, UntagResource and ListTagsForResource tag a Kinesis
// resource by its ARN: a stream (arn:aws:kinesis:R:A:stream/NAME) or an
// enhanced fan-out consumer (.../stream/NAME/consumer/CONSUMER:TIME).

type tagResourceInput struct {
	ResourceARN *string     `json:"ResourceARN"`
	Tags        optionalMap `json:"Tags"`
	StreamId    *string     `json:"StreamId"`
}

type untagResourceInput struct {
	ResourceARN *string  `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
	StreamId    *string  `json:"StreamId"`
}

type listTagsForResourceInput struct {
	ResourceARN *string `json:"ResourceARN"`
	StreamId    *string `json:"StreamId"`
}

type listTagsForResourceOutput struct {
	Tags []tag `json:"Tags"`
}

func (in *tagResourceInput) validate(v *violations) {
	v.tags("tags", in.Tags.M, in.Tags.Set, true)
	v.str("resourceARN", in.ResourceARN, true, 1, maxARNLen, patternResourceARN)
}

func (in *untagResourceInput) validate(v *violations) {
	v.tagKeys(in.TagKeys)
	v.str("resourceARN", in.ResourceARN, true, 1, maxARNLen, patternResourceARN)
}

func (in *listTagsForResourceInput) validate(v *violations) {
	v.str("resourceARN", in.ResourceARN, true, 1, maxARNLen, patternResourceARN)
}

// consumerTagger keeps the tags of enhanced fan-out consumers. Until
// consumers exist (api.consumerTags nil) a consumer ARN is not found.
type consumerTagger interface {
	AddConsumerTags(ctx context.Context, consumerARN string, tags map[string]string) error
	RemoveConsumerTags(ctx context.Context, consumerARN string, keys []string) error
	ConsumerTags(ctx context.Context, consumerARN string) (map[string]string, error)
}

// resource is what a ResourceARN names: a stream, or a consumer of it.
type resource struct {
	stream   string
	consumer bool
	arn      string
}

// resourceOf reads a ResourceARN (its pattern already checked): the part
// after ":stream/" names the stream, up to a "/consumer/" naming one of
// its consumers.
func (a *api) resourceOf(ctx context.Context, arn string) (resource, error) {
	const marker = ":stream/"
	i := strings.Index(arn, marker)
	if i < 0 {
		return resource{}, awsjson.Errorf(InvalidArgument, "ResourceARN %s is not the ARN of a Kinesis stream or consumer.", arn)
	}
	rest := arn[i+len(marker):]
	name, tail, hasTail := strings.Cut(rest, "/")
	r := resource{stream: name, arn: arn}
	if hasTail {
		c, ok := strings.CutPrefix(tail, "consumer/")
		if !ok || c == "" {
			return resource{}, awsjson.Errorf(InvalidArgument, "ResourceARN %s is not the ARN of a Kinesis stream or consumer.", arn)
		}
		r.consumer = true
	}
	if err := streams.ValidateName(name); err != nil {
		return resource{}, err
	}
	if r.consumer && a.consumerTags == nil {
		// The stream must exist for its consumer to; then the consumer
		// does not.
		if _, err := a.e.DescribeStream(ctx, name); err != nil {
			return resource{}, err
		}
		return resource{}, awsjson.Errorf(ResourceNotFound, "Consumer %s under account %s not found.", arn, a.e.AccountID())
	}
	return r, nil
}

func (a *api) tagResource(ctx context.Context, in *tagResourceInput) (*empty, error) {
	r, err := a.resourceOf(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if r.consumer {
		return &empty{}, a.consumerTags.AddConsumerTags(ctx, r.arn, in.Tags.M)
	}
	return &empty{}, a.e.AddTags(ctx, r.stream, in.Tags.M)
}

func (a *api) untagResource(ctx context.Context, in *untagResourceInput) (*empty, error) {
	r, err := a.resourceOf(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if r.consumer {
		return &empty{}, a.consumerTags.RemoveConsumerTags(ctx, r.arn, in.TagKeys)
	}
	return &empty{}, a.e.RemoveTags(ctx, r.stream, in.TagKeys)
}

func (a *api) listTagsForResource(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
	r, err := a.resourceOf(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	out := &listTagsForResourceOutput{Tags: []tag{}}
	if r.consumer {
		m, err := a.consumerTags.ConsumerTags(ctx, r.arn)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out.Tags = append(out.Tags, tag{k, m[k]})
		}
		return out, nil
	}
	tags, _, err := a.e.ListTags(ctx, r.stream, "", 0)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{t.Key, t.Value})
	}
	return out, nil
}
