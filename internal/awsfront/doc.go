// Package awsfront is a test front for a Kinesis or Firehose API: a real
// HTTP server, on a loopback port of its own, that forwards every call to a
// target (another Sluice's API) and can be told to fail the way AWS and
// networks fail: go down (its listener closed, connections refused) and
// come back on the same address; answer calls with an AWS error
// (503 ServiceUnavailableException, 400 ProvisionedThroughputExceeded,
// AccessDeniedException...); or fail chosen records of a PutRecords or
// PutRecordBatch answer, which are then never sent to the target, so a
// record the answer says failed is not stored.
//
// Target starts the target: a Sluice Kinesis API on a real JetStream server
// of its own (a second Sluice, as far as the API goes), with a reader that
// gets every record back with GetRecords.
package awsfront
