package kinesis

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// violations collects the constraint failures of a request as AWS's
// validation layer reports them (awsjson.Violations); the bounds come
// from the streams engine, which enforces the same ones.
type violations struct{ awsjson.Violations }

// validator is an operation's input that checks its own fields before
// the operation runs (see handle).
type validator interface{ validate(v *violations) }

func (v *violations) add(value *string, field, constraint string) { v.Add(value, field, constraint) }
func (v *violations) addValue(value, field, constraint string)    { v.AddValue(value, field, constraint) }
func (v *violations) err() error                                  { return v.Err() }

// Patterns of the Kinesis API's string members, as AWS's messages quote
// them.
const (
	patternName        = streams.NamePattern
	patternStreamARN   = `arn:aws.*:kinesis:.*:\d{12}:stream/\S+`
	patternResourceARN = `arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+`
	patternHashKey     = `0|([1-9]\d{0,38})`
	patternSequence    = `0|([1-9]\d{0,128})`
)

// sluiceSequence is the pattern a sequence number is checked against:
// AWS's patternSequence allows no leading zero, but Sluice's own sequence
// numbers are zero padded to 20 digits, so any run of up to 129 digits
// passes (the message still quotes AWS's pattern).
var sluiceSequence = regexp.MustCompile(`^[0-9]{1,129}$`)

var patterns = map[string]*awsjson.Pattern{}

func init() {
	for _, p := range []string{patternName, patternStreamARN, patternResourceARN, patternHashKey} {
		ap := awsjson.NewPattern(p)
		patterns[p] = &ap
	}
	seq := awsjson.PatternFunc(patternSequence, sluiceSequence.MatchString)
	patterns[patternSequence] = &seq
}

// Lengths of string members (and ranges of numbers) the engine has no
// constant for: the API model's.
const (
	maxARNLen       = 2048
	maxIteratorLen  = 512
	maxNextTokenLen = 1048576
	maxListLimit    = 10000
)

// str checks a string member (see awsjson.Violations.String); pattern
// is one of the patterns above, or "".
func (v *violations) str(field string, s *string, required bool, min, max int, pattern string) {
	var p *awsjson.Pattern
	if pattern != "" {
		p = patterns[pattern]
	}
	v.String(field, s, required, min, max, p)
}

func (v *violations) num(field string, n *int32, required bool, lo, hi int) {
	v.Int(field, n, required, lo, hi)
}

func (v *violations) enum(field string, s *string, required bool, values ...string) {
	v.Enum(field, s, required, values...)
}

func (v *violations) required(field string, present bool) { v.Required(field, present) }

// stream checks the StreamName and StreamARN members.
func (v *violations) stream(r streamRef) {
	v.str("streamName", r.StreamName, false, 1, streams.MaxNameLen, patternName)
	v.str("streamARN", r.StreamARN, false, 1, maxARNLen, patternStreamARN)
}

// shardID checks a member holding a shard id.
func (v *violations) shardID(field string, s *string, required bool) {
	v.str(field, s, required, 1, streams.MaxShardIDLen, patternName)
}

func listValue(items []string) string { return awsjson.ListValue(items) }

// mapValue shows a map as AWS's messages do: {k=v, ...} (in key order).
func mapValue(m map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// tags checks a TagMap member: 1 to streams.MaxTagsPerCall entries, keys
// and values within their lengths. (Characters are the engine's check,
// answered as InvalidArgumentException, as AWS does.)
func (v *violations) tags(field string, tags map[string]string, present, required bool) {
	if !present {
		if required {
			v.add(nil, field, "Member must not be null")
		}
		return
	}
	shown := mapValue(tags)
	if len(tags) < 1 {
		v.addValue(shown, field, "Member must have length greater than or equal to 1")
	}
	if len(tags) > streams.MaxTagsPerCall {
		v.addValue(shown, field, fmt.Sprintf("Member must have length less than or equal to %d", streams.MaxTagsPerCall))
	}
	keysOK, valuesOK := true, true
	for k, val := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > streams.MaxTagKeyLen {
			keysOK = false
		}
		if utf8.RuneCountInString(val) > streams.MaxTagValueLen {
			valuesOK = false
		}
	}
	if !keysOK {
		v.addValue(shown, field, fmt.Sprintf("Map keys must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 1]", streams.MaxTagKeyLen))
	}
	if !valuesOK {
		v.addValue(shown, field, fmt.Sprintf("Map value must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 0]", streams.MaxTagValueLen))
	}
}

// tagKeys checks a TagKeyList member.
func (v *violations) tagKeys(keys []string) {
	if keys == nil {
		v.add(nil, "tagKeys", "Member must not be null")
		return
	}
	shown := listValue(keys)
	if len(keys) < 1 {
		v.addValue(shown, "tagKeys", "Member must have length greater than or equal to 1")
	}
	if len(keys) > streams.MaxTagKeysPerCall {
		v.addValue(shown, "tagKeys", fmt.Sprintf("Member must have length less than or equal to %d", streams.MaxTagKeysPerCall))
	}
	for _, k := range keys {
		if n := utf8.RuneCountInString(k); n < 1 || n > streams.MaxTagKeyLen {
			v.addValue(shown, "tagKeys", fmt.Sprintf("Member must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 1]", streams.MaxTagKeyLen))
			break
		}
	}
}

// metrics checks a MetricsNameList member.
func (v *violations) metrics(names []string) {
	if names == nil {
		v.add(nil, "shardLevelMetrics", "Member must not be null")
		return
	}
	shown := listValue(names)
	if len(names) < 1 {
		v.addValue(shown, "shardLevelMetrics", "Member must have length greater than or equal to 1")
	}
	if len(names) > len(streams.MetricNames) {
		v.addValue(shown, "shardLevelMetrics", fmt.Sprintf("Member must have length less than or equal to %d", len(streams.MetricNames)))
	}
	for _, n := range names {
		if !streams.ValidMetricName(n) {
			all := append(slices.Clone(streams.MetricNames), streams.MetricAll)
			v.addValue(shown, "shardLevelMetrics", "Member must satisfy constraint: [Member must satisfy enum value set: ["+strings.Join(all, ", ")+"]]")
			break
		}
	}
}

// record checks one record's members; prefix is "" for PutRecord and
// "records.N.member." for a PutRecords entry.
func (v *violations) record(prefix string, data []byte, key, hashKey *string) {
	if data == nil {
		v.add(nil, prefix+"data", "Member must not be null")
	} else if len(data) > streams.MaxLargeRecordData {
		v.addValue(streams.BlobValue(len(data)), prefix+"data", fmt.Sprintf("Member must have length less than or equal to %d", streams.MaxLargeRecordData))
	}
	v.str(prefix+"partitionKey", key, true, 1, streams.MaxPartitionKeyLen, "")
	v.str(prefix+"explicitHashKey", hashKey, false, 0, 0, patternHashKey)
}

// deref is the value of an optional string member ("" when absent).
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
