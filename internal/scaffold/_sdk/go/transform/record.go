package transform

import "time"

// Batch is one invocation of the transform: the records a delivery stream
// buffered, with the identity of the invocation and of the streams involved.
//
// A Batch and everything it points to belong to the SDK and are valid only
// until the registered function returns: the SDK reuses the memory for the
// next batch. Copy what must outlive the call (for example with
// bytes.Clone).
type Batch struct {
	// InvocationID identifies this invocation; a retried batch gets a new one.
	InvocationID string
	// DeliveryStreamARN is the ARN of the delivery stream running the transform.
	DeliveryStreamARN string
	// Region is the region the host reports, for example "us-east-1".
	Region string
	// SourceStreamARN is the ARN of the source data stream, or "" for direct put.
	SourceStreamARN string
	// Records are the batch's records, in the order the host sent them.
	Records []Record
}

// Record is one record of a batch.
type Record struct {
	// ID is the record's recordId: opaque, unique in the batch. The SDK
	// answers it for the function; authors rarely need it.
	ID string
	// ArrivalTime is when the delivery stream received the record
	// (approximateArrivalTimestamp, millisecond precision).
	ArrivalTime time.Time
	// Data is the record's payload. It aliases the SDK's input buffer: valid
	// until the function returns; returning it (or a slice of it) in a
	// Result is fine.
	Data []byte
	// Kinesis holds the data-stream metadata when the record was read from a
	// data stream, and is nil for direct put.
	Kinesis *KinesisMetadata
}

// KinesisMetadata describes where a record sat in its source data stream
// (Firehose's kinesisRecordMetadata).
type KinesisMetadata struct {
	// ShardID is the shard the record was read from, "shardId-000000000000".
	ShardID string
	// PartitionKey is the partition key the producer gave.
	PartitionKey string
	// SequenceNumber is the record's sequence number in its shard, a decimal string.
	SequenceNumber string
	// SubsequenceNumber orders user records inside one aggregated record.
	SubsequenceNumber int64
	// ArrivalTime is when the data stream received the record.
	ArrivalTime time.Time
}
