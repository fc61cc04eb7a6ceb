// Package firehose serves the Amazon Kinesis Data Firehose API (AWS JSON
// 1.1, X-Amz-Target "Firehose_20150804.<Operation>") on an awsjson.Mux, over
// the delivery stream manager of host/delivery.
//
// It translates CreateDeliveryStream's AWS shapes into a delivery.Definition
// and describes a Definition back in AWS shapes. What Sluice cannot honour is
// refused with InvalidArgumentException naming the field, never ignored:
// options AWS has no field for (a Parquet schema, module parameters, folder
// and S3 endpoint settings) come from a pipeline file applied with
// `sluice apply`, through the native REST API.
//
// # Notes
//
//   - S3 destinations name a bucket (BucketARN arn:aws:s3:::NAME); the
//     server's Config.ObjectStore says where a bucket lives (a folder under
//     the data directory, or an S3-compatible endpoint).
//   - A Lambda processor's LambdaArn
//     arn:aws:lambda:REGION:ACCOUNT:function:MODULE[:VERSION] names a module
//     of the registry: MODULE is the newest version, MODULE:N is version N.
//   - Record format conversion needs a schema, which AWS keeps in Glue; this
//     API refuses DataFormatConversionConfiguration and says to declare the
//     schema in a pipeline file. DescribeDeliveryStream shows a Parquet
//     stream's conversion in AWS shape.
//   - Fields AWS requires for its IAM or CloudWatch (RoleARN,
//     CloudWatchLoggingOptions) are accepted and have no effect.
//   - Every bound checked here (buffering hints, retries, a Lambda's buffer
//     size, retry durations, PutRecordBatch's sizes) is host/delivery's
//     constant, so the API and a pipeline file refuse the same values.
//   - CreateDeliveryStream also answers InvalidArgumentException, with the
//     reason, when the manager's checks find the delivery stream could
//     never run: its module does not load, or its bucket's folder cannot be
//     written. A destination that is only unreachable is created.
//   - Every request's members are checked first as AWS's validation layer
//     does (types, required members, lengths, patterns, enums), and every
//     failure is reported in one ValidationException (awsjson.Violations).
//   - Tags (on CreateDeliveryStream, TagDeliveryStream,
//     UntagDeliveryStream, ListTagsForDeliveryStream) are kept with the
//     delivery stream by the manager, within delivery.MaxTags and
//     Firehose's key and value patterns; tagging makes no new version.
//   - UpdateDestination merges an update of the destination's own type
//     into it (members left out keep their values) and replaces a
//     destination of another type; it goes through delivery.Manager.Update,
//     the same versioned path as `sluice apply`, held to
//     CurrentDeliveryStreamVersionId (a stale one is
//     ConcurrentModificationException). Every update makes a new VersionId.
//   - Server-side encryption is the server's (Config.EncryptedAtRest):
//     every delivery stream is encrypted with the server's key
//     (AWS_OWNED_CMK) or none is; Start/StopDeliveryStreamEncryption
//     succeed where they change nothing and are refused where they would
//     have to; CUSTOMER_MANAGED_CMK is refused (there is no KMS).
//   - A full store is ServiceUnavailableException, for PutRecord and per
//     record of PutRecordBatch, with a message saying what is full.
package firehose
