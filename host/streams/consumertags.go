package streams

import (
	"context"
	"maps"
	"slices"
	"unicode/utf8"
)

// AddConsumerTags adds or overwrites tags on the consumer arn names
// (TagResource on a consumer ARN), checked as a stream's are; a consumer
// carries at most MaxTags.
func (e *Engine) AddConsumerTags(ctx context.Context, arn string, tags map[string]string) error {
	ref, err := ParseConsumerARN("resourceARN", arn)
	if err != nil {
		return err
	}
	if err := ValidateTags(tags); err != nil {
		return err
	}
	return e.updateConsumer(ctx, ref, arn, func(c *Consumer) error {
		next := maps.Clone(c.Tags)
		if next == nil {
			next = map[string]string{}
		}
		maps.Copy(next, tags)
		if len(next) > MaxTags {
			return errorf(ErrInvalidArgument, "Failed to add tags to consumer %s under account %s because a given resource cannot have more than %d tags associated with it.", arn, e.cfg.AccountID, MaxTags)
		}
		c.Tags = next
		return nil
	})
}

// RemoveConsumerTags removes tags of a consumer by key; keys that are
// absent are ignored.
func (e *Engine) RemoveConsumerTags(ctx context.Context, arn string, keys []string) error {
	ref, err := ParseConsumerARN("resourceARN", arn)
	if err != nil {
		return err
	}
	if err := validateLength(len(keys), "tagKeys", len(keys), 1, MaxTagKeysPerCall); err != nil {
		return err
	}
	for _, k := range keys {
		if err := validateLength(k, "tagKeys.member", utf8.RuneCountInString(k), 1, MaxTagKeyLen); err != nil {
			return err
		}
	}
	return e.updateConsumer(ctx, ref, arn, func(c *Consumer) error {
		next := maps.Clone(c.Tags)
		for _, k := range keys {
			delete(next, k)
		}
		c.Tags = next
		return nil
	})
}

// ConsumerTags returns the tags of the consumer arn names; a consumer
// being deleted is not found, as for the other tag operations.
func (e *Engine) ConsumerTags(ctx context.Context, arn string) (map[string]string, error) {
	ref, err := ParseConsumerARN("resourceARN", arn)
	if err != nil {
		return nil, err
	}
	c, err := e.ConsumerByARN(ctx, ref, arn)
	if err != nil {
		return nil, err
	}
	if c.Status == ConsumerDeleting {
		return nil, e.consumerNotFound(arn)
	}
	return maps.Clone(c.Tags), nil
}

// updateConsumer applies fn to the consumer ref names, by compare-and-set
// on its stream's consumer set. A consumer that is being deleted is not
// found, as on AWS.
func (e *Engine) updateConsumer(ctx context.Context, ref ConsumerRef, arn string, fn func(*Consumer) error) error {
	return e.updateConsumers(ctx, ref.Stream, func(_ *Stream, cs []Consumer) ([]Consumer, error) {
		i := slices.IndexFunc(cs, func(c Consumer) bool {
			return c.Name == ref.Consumer && c.Created.Unix() == ref.Created && c.Status != ConsumerDeleting
		})
		if i < 0 {
			return nil, e.consumerNotFound(arn)
		}
		if err := fn(&cs[i]); err != nil {
			return nil, err
		}
		return cs, nil
	})
}
