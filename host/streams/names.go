package streams

import (
	"fmt"
	"strings"
)

const (
	// kvBucket holds the stream definitions.
	kvBucket = "sluice_kinesis"
	// kvPrefix starts every stream definition key.
	kvPrefix = "streams."
	// jsPrefix starts the JetStream stream name of a data stream.
	jsPrefix = "KDS_"
	// subjectPrefix starts every shard subject.
	subjectPrefix = "kds."
	// fencePrefix starts the subject of a data stream's reshard barriers
	// (see fence.go): in the stream's JetStream stream, outside the
	// shard subjects, so no shard reader or SourceStream filter sees them.
	fencePrefix = "kdsfence."
	// MaxNameLen is the longest stream name Kinesis allows.
	MaxNameLen = 128
)

// DataSubjects is the subject filter covering every shard subject of every
// data stream.
const DataSubjects = subjectPrefix + ">"

// IsDataStream reports whether a JetStream stream holds a data stream's
// records: data users may read those streams, and nothing else of Sluice's.
func IsDataStream(jsStream string) bool { return strings.HasPrefix(jsStream, jsPrefix) }

// ValidateName checks a stream name against Kinesis's constraints:
// 1 to 128 characters from [a-zA-Z0-9_.-]. Like AWS it reports the first
// constraint broken: the pattern (an empty name breaks it too), then the
// length.
func ValidateName(name string) error {
	return validateNameField(name, "streamName")
}

// MaxShardIDLen is the longest shard id Kinesis accepts as input.
const MaxShardIDLen = 128

// ValidateShardID checks a shard id given as input against Kinesis's
// constraints on the field (1 to 128 characters from [a-zA-Z0-9_.-]).
func ValidateShardID(id string) error { return validateShardField(id, "shardId") }

func validateShardField(id, field string) error {
	if err := validatePattern(id, field); err != nil {
		return err
	}
	return validateLength(id, field, len(id), 1, MaxShardIDLen)
}

// NamePattern is the pattern of stream names and shard ids, as AWS's
// messages quote it.
const NamePattern = "[a-zA-Z0-9_.-]+"

func validateNameField(name, field string) error {
	if err := validatePattern(name, field); err != nil {
		return err
	}
	return validateLength(name, field, len(name), 1, MaxNameLen)
}

// validatePattern refuses a name or shard id outside NamePattern (the
// empty string too, as a regular expression with + refuses it).
func validatePattern(s, field string) error {
	if s == "" || !validNameChars(s) {
		return validationf(s, field, "Member must satisfy regular expression pattern: "+NamePattern)
	}
	return nil
}

// validateLength refuses a length outside min..max with the constraint
// AWS names: the bound that was crossed.
func validateLength(value any, field string, n, min, max int) error {
	if n < min {
		return validationf(value, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if n > max {
		return validationf(value, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	return nil
}

// validateRange refuses a value outside min..max as AWS does.
func validateRange(field string, n, min, max int) error {
	if n < min {
		return validationf(n, field, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	}
	if n > max {
		return validationf(n, field, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
	return nil
}

func validNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// token is the stream name as a JetStream name and subject token.
func token(name string) string { return strings.ReplaceAll(name, ".", "~") }

// jsName is the JetStream stream holding a data stream's records.
func jsName(name string) string { return jsPrefix + token(name) }

// shardSubject is the subject holding one shard's records.
func shardSubject(name, shardID string) string {
	return subjectPrefix + token(name) + "." + shardID
}

// fenceSubject is the subject of a stream's reshard barriers.
func fenceSubject(name string) string { return fencePrefix + token(name) }

// kvKey is the KV key of a stream definition.
func kvKey(name string) string { return kvPrefix + strings.ReplaceAll(name, ".", "=") }

// ShardID formats the id of the shard with the given index.
func ShardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// ARN builds the stream's ARN for the engine's region and account.
func (e *Engine) ARN(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", e.cfg.Region, e.cfg.AccountID, name)
}

// AccountID is the account the engine's ARNs and messages name.
func (e *Engine) AccountID() string { return e.cfg.AccountID }

// ResolveName picks the stream name from a StreamName or a StreamARN (either
// may be empty, not both; when both are given they must agree).
func (e *Engine) ResolveName(name, arn string) (string, error) {
	if arn != "" {
		const marker = ":stream/"
		i := strings.Index(arn, marker)
		if !strings.HasPrefix(arn, "arn:") || i < 0 {
			return "", validationf(arn, "streamARN", "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
		}
		fromARN := arn[i+len(marker):]
		if name != "" && name != fromARN {
			return "", errorf(ErrInvalidArgument, "StreamName %s and StreamARN %s do not name the same stream", name, arn)
		}
		name = fromARN
	}
	if name == "" {
		return "", errorf(ErrInvalidArgument, "Either StreamName or StreamARN should be provided.")
	}
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return name, nil
}
