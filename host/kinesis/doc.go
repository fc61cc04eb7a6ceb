// Package kinesis serves the Amazon Kinesis Data Streams API
// (X-Amz-Target "Kinesis_20131202.<Operation>", AWS JSON 1.1) on top of the
// streams engine, so AWS SDKs and the AWS CLI work with an endpoint
// override. Engine errors become AWS exception names in one place
// (errors.go). GetRecords' answer is written straight to the connection
// (answer.go) and returns its bytes to the engine's read budget once
// written.
package kinesis
