package streams

import (
	"context"
	"fmt"
	"sort"
)

// Tag limits, Kinesis's.
const (
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	maxTagsPerCall = 10
)

// Tag is one key/value tag.
type Tag struct{ Key, Value string }

// AddTags adds or overwrites tags on a stream.
func (e *Engine) AddTags(ctx context.Context, name string, tags map[string]string) error {
	if len(tags) < 1 || len(tags) > maxTagsPerCall {
		return validationf(len(tags), "tags", fmt.Sprintf("Member must have between 1 and %d entries", maxTagsPerCall))
	}
	for k, v := range tags {
		if len(k) < 1 || len(k) > maxTagKeyLen {
			return validationf(k, "tags.key", fmt.Sprintf("Member must have length between 1 and %d", maxTagKeyLen))
		}
		if len(v) > maxTagValueLen {
			return validationf(v, "tags.value", fmt.Sprintf("Member must have length less than or equal to %d", maxTagValueLen))
		}
	}
	_, err := e.update(ctx, name, func(s *Stream) error {
		if s.Status == StatusCreating || s.Status == StatusDeleting {
			return e.notFound(name)
		}
		if s.Tags == nil {
			s.Tags = map[string]string{}
		}
		for k, v := range tags {
			s.Tags[k] = v
		}
		if len(s.Tags) > MaxTags {
			return errorf(ErrLimitExceeded, "Stream %s would have %d tags; the limit is %d.", name, len(s.Tags), MaxTags)
		}
		return nil
	})
	return err
}

// RemoveTags removes tags by key; keys that are absent are ignored.
func (e *Engine) RemoveTags(ctx context.Context, name string, keys []string) error {
	if len(keys) < 1 || len(keys) > maxTagsPerCall {
		return validationf(len(keys), "tagKeys", fmt.Sprintf("Member must have length between 1 and %d", maxTagsPerCall))
	}
	_, err := e.update(ctx, name, func(s *Stream) error {
		if s.Status == StatusCreating || s.Status == StatusDeleting {
			return e.notFound(name)
		}
		for _, k := range keys {
			delete(s.Tags, k)
		}
		return nil
	})
	return err
}

// ListTags returns up to limit tags in key order after exclusiveStartKey,
// and whether more follow.
func (e *Engine) ListTags(ctx context.Context, name, exclusiveStartKey string, limit int) ([]Tag, bool, error) {
	s, err := e.loadActive(ctx, name)
	if err != nil {
		return nil, false, err
	}
	var out []Tag
	for k, v := range s.Tags {
		if k > exclusiveStartKey {
			out = append(out, Tag{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	if limit > 0 && len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}
