// Package kinesisdest forwards records to a Kinesis data stream
// (PutRecords) or a Firehose delivery stream (PutRecordBatch): on AWS with
// real credentials, or on another Sluice (an edge box sending its data
// home), with the AWS SDK for Go v2's own clients.
//
// # Calls
//
// Client.Deliver puts a batch in calls within AWS's limits, which no
// stream can raise: at most MaxCallRecords (500) records per call, and
// MaxKinesisCallBytes (5 MiB, data and partition keys) per PutRecords or
// MaxFirehoseCallBytes (4 MiB) per PutRecordBatch. A record over
// MaxKinesisRecordBytes (1 MiB with its partition key) or
// MaxFirehoseRecordBytes (1,000 KiB), and a Kinesis record whose partition
// key is empty or over 256 characters, is refused before any call
// (RecordTooLarge, InvalidPartitionKey). The SDK tries each call once; the
// retries are Deliver's.
//
// # Failures
//
// Deliver tells, per record, whether it was accepted. What it does with a
// failure depends on what the destination answered:
//
//   - No answer (connection refused, a timeout, DNS) or an HTTP 5xx answer,
//     whatever its error type (ServiceUnavailableException, InternalFailure,
//     an untyped 502 from a proxy): the destination is down. The call is
//     tried again, with backoff, for as long as the caller's context lasts
//     and its Wait agrees: an edge box may be offline for hours, and its
//     records wait in the caller's source meanwhile (store and forward).
//   - A 200 answer with failed records (FailedRecordCount, FailedPutCount):
//     only those records are sent again. A per-record
//     ProvisionedThroughputExceededException, InternalFailure or
//     ServiceUnavailableException is throttling; so is a 4xx answer to the
//     whole call with a throttling code (ProvisionedThroughputExceeded,
//     LimitExceeded, Throttling, KMSThrottling, ResourceInUse) or status 408
//     or 429. Throttled records are tried again, with backoff, for the
//     batch's RetryFor counted from the first throttled answer; then each
//     fails with a *RecordError matching ErrRetriesExhausted, with the last
//     code and message.
//   - Any other 4xx (ResourceNotFoundException, AccessDeniedException,
//     ValidationException, InvalidArgumentException, an unknown key or a bad
//     signature) and any other per-record code (a KMS refusal): retrying
//     cannot help. The records fail at once with a *RecordError carrying
//     the code and the destination's message.
//
// Backoff starts at DefaultInitialBackoff and doubles to DefaultMaxBackoff
// (WithBackoff changes both); OnRetry is told of each failed call.
//
// # Guarantee
//
// At least once. Kinesis and Firehose have no idempotent put: a call whose
// answer was lost may have stored its records, and a batch sent again (the
// caller's replay after a crash or a drain) sends records that were
// accepted before. Consumers that must not see a duplicate deduplicate on
// content (the delivery engine keeps the source's partition key, so a
// duplicate lands on the same shard as its first copy).
//
// # Probe
//
// Client.Probe describes the stream (DescribeStreamSummary,
// DescribeDeliveryStream) and puts nothing. Only ResourceNotFoundException
// and an unknown key or bad signature are permanent; AccessDeniedException
// is not, since a producer's policy often allows the put but not the
// describe.
//
// # Secrets
//
// The secret access key signs requests (SigV4, through the SDK) and is
// never sent, logged or put in an error; String and every error name the
// stream and endpoint only.
package kinesisdest
