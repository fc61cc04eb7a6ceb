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
package kinesis
