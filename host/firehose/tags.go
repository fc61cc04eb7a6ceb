package firehose

import (
	"context"
	"strconv"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
)

// Tags of delivery streams: on CreateDeliveryStream and with
// TagDeliveryStream, UntagDeliveryStream and ListTagsForDeliveryStream,
// kept with the delivery stream (delivery.Manager.Tag), within Firehose's
// limits (delivery.MaxTags and its patterns).

type tagIn struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

type tagOut struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

type tagInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName"`
	Tags               []tagIn `json:"Tags"`
}

type untagInput struct {
	DeliveryStreamName *string  `json:"DeliveryStreamName"`
	TagKeys            []string `json:"TagKeys"`
}

type listTagsInput struct {
	DeliveryStreamName   *string `json:"DeliveryStreamName"`
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey"`
	Limit                *int32  `json:"Limit"`
}

type listTagsOutput struct {
	Tags        []tagOut `json:"Tags"`
	HasMoreTags bool     `json:"HasMoreTags"`
}

// Tag patterns as Firehose's messages quote them, checked with the
// delivery package's rules (Go's regexp has no look-ahead for "not aws:").
var (
	tagKeyPattern   = awsjson.PatternFunc(delivery.TagKeyPattern, delivery.ValidTagKeyText)
	tagValuePattern = awsjson.PatternFunc(delivery.TagValuePattern, delivery.ValidTagValueText)
)

// checkTags checks a tag list member: 1 to delivery.MaxTags tags, each
// key and value within Firehose's patterns and lengths.
func checkTags(v *awsjson.Violations, field string, tags []tagIn, required bool) {
	if tags == nil {
		if required {
			v.Required(field, false)
		}
		return
	}
	v.Count(field, "["+strconv.Itoa(len(tags))+" tags]", len(tags), 1, delivery.MaxTags)
	for i, t := range tags {
		f := field + "." + strconv.Itoa(i+1) + ".member."
		v.String(f+"key", t.Key, true, 1, delivery.MaxTagKeyLen, &tagKeyPattern)
		v.String(f+"value", t.Value, false, 0, delivery.MaxTagValueLen, &tagValuePattern)
	}
}

// tagsOf is the tags of a checked tag list.
func tagsOf(in []tagIn) []delivery.Tag {
	out := make([]delivery.Tag, 0, len(in))
	for _, t := range in {
		out = append(out, delivery.Tag{Key: *t.Key, Value: deref(t.Value)})
	}
	return out
}

func (in *tagInput) validate(v *awsjson.Violations) {
	checkName(v, in.DeliveryStreamName)
	checkTags(v, "tags", in.Tags, true)
}

func (in *untagInput) validate(v *awsjson.Violations) {
	checkName(v, in.DeliveryStreamName)
	if in.TagKeys == nil {
		v.Required("tagKeys", false)
		return
	}
	v.Count("tagKeys", awsjson.ListValue(in.TagKeys), len(in.TagKeys), 1, delivery.MaxTags)
	for i, k := range in.TagKeys {
		v.String("tagKeys."+strconv.Itoa(i+1)+".member", &k, true, 1, delivery.MaxTagKeyLen, &tagKeyPattern)
	}
}

func (in *listTagsInput) validate(v *awsjson.Violations) {
	checkName(v, in.DeliveryStreamName)
	v.String("exclusiveStartTagKey", in.ExclusiveStartTagKey, false, 1, delivery.MaxTagKeyLen, &tagKeyPattern)
	v.Int("limit", in.Limit, false, 1, delivery.MaxTags)
}

func (a *api) tag(ctx context.Context, in *tagInput) (*empty, error) {
	return &empty{}, a.mgr.Tag(ctx, *in.DeliveryStreamName, tagsOf(in.Tags))
}

func (a *api) untag(ctx context.Context, in *untagInput) (*empty, error) {
	return &empty{}, a.mgr.Untag(ctx, *in.DeliveryStreamName, in.TagKeys)
}

// listTags pages through the tags in key order (Limit, default 50).
func (a *api) listTags(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	tags, err := a.mgr.Tags(ctx, *in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	limit := delivery.MaxTags
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	out := &listTagsOutput{Tags: []tagOut{}}
	for _, t := range tags {
		if in.ExclusiveStartTagKey != nil && t.Key <= *in.ExclusiveStartTagKey {
			continue
		}
		if len(out.Tags) == limit {
			out.HasMoreTags = true
			break
		}
		out.Tags = append(out.Tags, tagOut{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
