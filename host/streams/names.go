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
// 1 to 128 characters from [a-zA-Z0-9_.-].
func ValidateName(name string) error {
	if len(name) < 1 || len(name) > MaxNameLen {
		return validationf(name, "streamName", "Member must have length between 1 and 128")
	}
	if !validNameChars(name) {
		return validationf(name, "streamName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	return nil
}

// MaxShardIDLen is the longest shard id Kinesis accepts as input.
const MaxShardIDLen = 128

// ValidateShardID checks a shard id given as input against Kinesis's
// constraints on the field (1 to 128 characters from [a-zA-Z0-9_.-]).
func ValidateShardID(id string) error { return validateShardField(id, "shardId") }

func validateShardField(id, field string) error {
	if len(id) < 1 || len(id) > MaxShardIDLen {
		return validationf(id, field, fmt.Sprintf("Member must have length between 1 and %d", MaxShardIDLen))
	}
	if !validNameChars(id) {
		return validationf(id, field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
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

// kvKey is the KV key of a stream definition.
func kvKey(name string) string { return kvPrefix + strings.ReplaceAll(name, ".", "=") }

// ShardID formats the id of the shard with the given index.
func ShardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// ARN builds the stream's ARN for the engine's region and account.
func (e *Engine) ARN(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", e.cfg.Region, e.cfg.AccountID, name)
}

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
