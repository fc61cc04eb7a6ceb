package streams

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tag limits, Kinesis's (MaxTags, the most one stream carries, is in
// engine.go).
const (
	// MaxTagKeyLen and MaxTagValueLen bound a tag's key (at least one
	// character) and value, in characters.
	MaxTagKeyLen   = 128
	MaxTagValueLen = 256
	// MaxTagsPerCall bounds the tags of one AddTagsToStream, TagResource
	// or CreateStream (the API's TagMap; the stream's MaxTags is the
	// lower bound in practice).
	MaxTagsPerCall = 200
	// MaxTagKeysPerCall bounds the keys of one RemoveTagsFromStream or
	// UntagResource.
	MaxTagKeysPerCall = 50
	// TagCharacters says which characters a tag may hold, as AWS's
	// message says it.
	TagCharacters = "Unicode letters, digits, white space, _ . / = + - @ :"
)

// Tag is one key/value tag.
type Tag struct{ Key, Value string }

// ValidTagText reports whether a tag key or value holds only
// TagCharacters: \p{L}, \p{N}, \p{Z} and _ . / = + - @ : (AWS's tagging
// rule; a tab or a newline is not white space there, and '%', which
// Firehose takes, Kinesis refuses).
func ValidTagText(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.In(r, unicode.Z) && !strings.ContainsRune("_./=+-@:", r) {
			return false
		}
	}
	return true
}

// ValidateTags checks tags to add: their count per call, the length of
// each key and value (ValidationException), then their characters
// (InvalidArgumentException, as AWS answers it).
func ValidateTags(tags map[string]string) error {
	if err := validateLength(len(tags), "tags", len(tags), 1, MaxTagsPerCall); err != nil {
		return err
	}
	for k, v := range tags {
		if err := validateLength(k, "tags.key", utf8.RuneCountInString(k), 1, MaxTagKeyLen); err != nil {
			return err
		}
		if err := validateLength(v, "tags.value", utf8.RuneCountInString(v), 0, MaxTagValueLen); err != nil {
			return err
		}
	}
	for k, v := range tags {
		if !ValidTagText(k) || !ValidTagText(v) {
			return errorf(ErrInvalidArgument, "Some tags contain invalid characters. Valid characters: %s.", TagCharacters)
		}
	}
	return nil
}

// tooManyTags is the error for a stream that would carry more than
// MaxTags tags.
func (e *Engine) tooManyTags(name string) error {
	return errorf(ErrInvalidArgument, "Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags associated with it.", name, e.cfg.AccountID, MaxTags)
}

// AddTags adds or overwrites tags on a stream.
func (e *Engine) AddTags(ctx context.Context, name string, tags map[string]string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := ValidateTags(tags); err != nil {
		return err
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
			return e.tooManyTags(name)
		}
		return nil
	})
	return err
}

// RemoveTags removes tags by key; keys that are absent are ignored.
func (e *Engine) RemoveTags(ctx context.Context, name string, keys []string) error {
	if err := ValidateName(name); err != nil {
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
// and whether more follow; limit 0 returns them all.
func (e *Engine) ListTags(ctx context.Context, name, exclusiveStartKey string, limit int) ([]Tag, bool, error) {
	if err := ValidateName(name); err != nil {
		return nil, false, err
	}
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

// checkNewTags refuses the tags of a stream being created: those
// ValidateTags refuses, and more than MaxTags.
func (e *Engine) checkNewTags(name string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	if err := ValidateTags(tags); err != nil {
		return err
	}
	if len(tags) > MaxTags {
		return e.tooManyTags(name)
	}
	return nil
}
