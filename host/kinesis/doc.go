// Package kinesis serves the Amazon Kinesis Data Streams API
// (X-Amz-Target "Kinesis_20131202.<Operation>", AWS JSON 1.1) on top of the
// streams engine, so AWS SDKs and the AWS CLI work with an endpoint
// override. Engine errors become AWS exception names in one place
// (errors.go). A full store is ServiceUnavailable (HTTP 503) for a call,
// and InternalFailure for a record of PutRecords, the only per-record code
// AWS defines besides throttling.
// GetRecords' answer is written straight to the connection
// (answer.go) and returns its bytes to the engine's read budget once
// written.
//
// Encryption: the server encrypts every stream at rest or none
// (WithEncryptionAtRest). DescribeStream, DescribeStreamSummary, the put
// answers and GetRecords' records say KMS (with KeyId ServerKeyID) or
// NONE accordingly; StartStreamEncryption succeeds without changing
// anything on an encrypting server and is refused on one that does not,
// StopStreamEncryption the other way round; both validate their input as
// AWS does first.
//
// Enhanced fan-out: RegisterStreamConsumer, DescribeStreamConsumer,
// ListStreamConsumers and DeregisterStreamConsumer (consumers.go), and
// SubscribeToShard (subscribe.go), whose answer is an event stream
// (eventstream.go: application/vnd.amazon.eventstream, written with the
// AWS SDK's encoder, CRCs included): an initial-response, then one
// SubscribeToShardEvent per batch or heartbeat, flushed each, until the
// subscription's duration ends it cleanly, the end of a closed shard
// (an event with ChildShards and no continuation) does, or an exception
// event (ResourceInUseException, ResourceNotFoundException,
// InternalFailureException) ends it.
package kinesis
