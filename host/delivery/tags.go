package delivery

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"unicode/utf8"
)

// Tag limits, Firehose's: one definition used by the Firehose API's
// validation and by the Manager.
const (
	// MaxTags is the most tags one delivery stream carries, and the most
	// one TagDeliveryStream, UntagDeliveryStream or CreateDeliveryStream
	// may name.
	MaxTags = 50
	// MaxTagKeyLen and MaxTagValueLen bound a key (at least one
	// character) and a value, in characters.
	MaxTagKeyLen   = 128
	MaxTagValueLen = 256
	// TagKeyPattern and TagValuePattern are Firehose's: Unicode letters,
	// white space, digits and _ . : / = + - @ %; a key may not start with
	// "aws:" (RE2 has no look-ahead: tagKeyReserved checks that part).
	TagKeyPattern   = `^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`
	TagValuePattern = `^[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`
)

var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$`)

// Tag is one key/value tag of a delivery stream.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ValidTagKey and ValidTagValue report whether a key or a value is
// within Firehose's patterns and lengths.
func ValidTagKey(k string) bool {
	n := utf8.RuneCountInString(k)
	return n >= 1 && n <= MaxTagKeyLen && ValidTagKeyText(k)
}

// ValidTagValue: see ValidTagKey.
func ValidTagValue(v string) bool {
	return utf8.RuneCountInString(v) <= MaxTagValueLen && ValidTagValueText(v)
}

// ValidTagKeyText and ValidTagValueText hold a key and a value to
// TagKeyPattern and TagValuePattern, whatever their lengths.
func ValidTagKeyText(k string) bool { return tagChars.MatchString(k) && !tagKeyReserved(k) }

// ValidTagValueText: see ValidTagKeyText.
func ValidTagValueText(v string) bool { return tagChars.MatchString(v) }

func tagKeyReserved(k string) bool { return len(k) >= 4 && k[:4] == "aws:" }

// checkTags refuses tags outside the limits, naming the first bad one.
func checkTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return invalidf("%d tags given; a delivery stream may carry at most %d", len(tags), MaxTags)
	}
	for _, t := range tags {
		if !ValidTagKey(t.Key) {
			return invalidf("tag key %q is not valid: 1 to %d Unicode letters, digits, white space or _ . : / = + - @ %%, not starting with aws:", t.Key, MaxTagKeyLen)
		}
		if !ValidTagValue(t.Value) {
			return invalidf("the value of tag %q is not valid: up to %d Unicode letters, digits, white space or _ . : / = + - @ %%", t.Key, MaxTagValueLen)
		}
	}
	return nil
}

// newTags is the tag map of a new delivery stream (nil without tags).
func newTags(tags []Tag) (map[string]string, error) {
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m, nil
}

// Tag adds or replaces tags of a delivery stream (TagDeliveryStream). A
// delivery stream carries at most MaxTags; tagging changes neither its
// version nor its delivery.
func (m *Manager) Tag(ctx context.Context, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return m.updateTags(ctx, name, func(cur map[string]string) (map[string]string, error) {
		out := maps.Clone(cur)
		if out == nil {
			out = map[string]string{}
		}
		for _, t := range tags {
			out[t.Key] = t.Value
		}
		if len(out) > MaxTags {
			return nil, fmt.Errorf("%w: delivery stream %s would have %d tags; it may carry at most %d", ErrLimitExceeded, name, len(out), MaxTags)
		}
		return out, nil
	})
}

// Untag removes tags by key (UntagDeliveryStream); absent keys are
// ignored.
func (m *Manager) Untag(ctx context.Context, name string, keys []string) error {
	if len(keys) > MaxTags {
		return invalidf("%d tag keys given; at most %d", len(keys), MaxTags)
	}
	return m.updateTags(ctx, name, func(cur map[string]string) (map[string]string, error) {
		out := maps.Clone(cur)
		for _, k := range keys {
			delete(out, k)
		}
		return out, nil
	})
}

// Tags lists a delivery stream's tags in key order, in any state (the
// tags given to a create are there while it is CREATING).
func (m *Manager) Tags(ctx context.Context, name string) ([]Tag, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	st, _, err := m.store.getDef(ctx, name)
	if err != nil {
		return nil, err
	}
	out := []Tag{}
	for _, k := range slices.Sorted(maps.Keys(st.Tags)) {
		out = append(out, Tag{Key: k, Value: st.Tags[k]})
	}
	return out, nil
}

// updateTags rewrites a delivery stream's tags with fn, under the
// Manager's lock and against the definition's revision.
func (m *Manager) updateTags(ctx context.Context, name string, fn func(map[string]string) (map[string]string, error)) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	m.ops.Lock()
	defer m.ops.Unlock()
	if err := m.usable(); err != nil {
		return err
	}
	st, rev, err := m.store.getDef(ctx, name)
	if err != nil {
		return err
	}
	if st.Status != StatusActive {
		return fmt.Errorf("%w: %s is %s", ErrInUse, name, st.Status)
	}
	if st.Tags, err = fn(st.Tags); err != nil {
		return err
	}
	if len(st.Tags) == 0 {
		st.Tags = nil
	}
	return m.store.updateDef(ctx, st, rev)
}
