package runtime

import (
	"fmt"
	"time"
)

// Batch is one invocation of a transform: what Firehose hands a
// data-transformation Lambda.
type Batch struct {
	InvocationID      string
	DeliveryStreamARN string
	Region            string
	// SourceStreamARN is the data stream the records were read from; empty
	// for direct put.
	SourceStreamARN string
	Records         []Record
}

// Record is one input record. RecordID must be unique within its batch.
type Record struct {
	RecordID    string
	ArrivalTime time.Time // kept to the millisecond on the wire
	Data        []byte
	// Kinesis is set for records read from a data stream.
	Kinesis *KinesisMetadata
}

// KinesisMetadata describes where a record was read from a data stream.
type KinesisMetadata struct {
	ShardID           string
	PartitionKey      string
	SequenceNumber    string
	SubsequenceNumber int64
	ArrivalTime       time.Time
}

// Response is a transform's answer to a batch. A Response returned by
// [Module.Transform] has been validated: every input record is answered
// exactly once and no other id appears.
type Response struct {
	Records []Result
}

// Result is the answer for one record.
type Result struct {
	RecordID string
	Status   Status
	// Data is the new data when Status is StatusOk. For
	// StatusProcessingFailed, Transform sets it to the record's original
	// data (what goes to the error output); for StatusDropped it is nil.
	Data []byte
	// PartitionKeys are the keys for dynamic partitioning; nil when none.
	PartitionKeys map[string]string
	// ErrorMessage is the guest's reason for StatusProcessingFailed.
	ErrorMessage string
}

// Status is a record's result, numbered as in the SDK ABI.
type Status uint8

// The three results of the Firehose record contract.
const (
	StatusOk               Status = 0
	StatusDropped          Status = 1
	StatusProcessingFailed Status = 2
)

// String returns the Firehose name of s ("Ok", "Dropped", "ProcessingFailed").
func (s Status) String() string {
	switch s {
	case StatusOk:
		return "Ok"
	case StatusDropped:
		return "Dropped"
	case StatusProcessingFailed:
		return "ProcessingFailed"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// parseStatus is the inverse of Status.String.
func parseStatus(s string) (Status, bool) {
	switch s {
	case "Ok":
		return StatusOk, true
	case "Dropped":
		return StatusDropped, true
	case "ProcessingFailed":
		return StatusProcessingFailed, true
	}
	return 0, false
}

// millis converts t to milliseconds since the Unix epoch; the zero time is 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMillis is the inverse of millis.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
