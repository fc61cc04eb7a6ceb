package delivery

import (
	"time"

	"github.com/sluice-io/sluice/sinks/format"
)

// Definition is a delivery stream's whole configuration, as stored, as
// written in a pipeline file (YAML through these JSON names) and as the
// Firehose API's CreateDeliveryStream input is translated.
type Definition struct {
	Name      string    `json:"name"`
	Source    Source    `json:"source"`
	Buffering Buffering `json:"buffering"`
	// Processors are Firehose's built-in record processors, run on each
	// record before the Processor (and in Firehose's order, whatever the
	// order here): Decompression, CloudWatchLogProcessing,
	// RecordDeAggregation.
	Processors  []RecordProcessor `json:"processors,omitempty"`
	Processor   *Processor        `json:"processor,omitempty"`
	Format      format.Spec       `json:"format"`
	Destination Destination       `json:"destination"`
	// Backup, when set, also writes every source record as it arrived
	// (a KPL aggregate's user records one by one; before the record
	// processors and the transform) as JSON lines under Backup.Prefix.
	Backup *Backup `json:"backup,omitempty"`

	// Set by the server.
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version grows by one on every update (Firehose's VersionId).
	Version int `json:"version"`
	// Warnings are set only on the definition Create and Apply return, and
	// never stored: what the checks found that does not stop the delivery
	// stream, such as a destination that cannot be reached now.
	Warnings []string `json:"warnings,omitempty"`
}

// Source kinds.
const (
	SourceDirectPut  = "DirectPut"
	SourceDataStream = "KinesisStreamAsSource"
)

// Source says where records come from.
type Source struct {
	// Kind is SourceDirectPut (PutRecord/PutRecordBatch to the delivery
	// stream) or SourceDataStream (every shard of a Sluice data stream).
	Kind string `json:"kind"`
	// Stream names the data stream, for SourceDataStream.
	Stream string `json:"stream,omitempty"`
	// StartingPosition is TRIM_HORIZON or LATEST (default), for
	// SourceDataStream: where a new delivery stream starts reading.
	StartingPosition string `json:"startingPosition,omitempty"`
}

// Buffering hints: a batch is delivered when it holds SizeMiB of records
// or IntervalSeconds after its first record arrived, whichever comes first.
type Buffering struct {
	// SizeMiB is 1..128; 0 means the default, 5.
	SizeMiB int `json:"sizeMiB,omitempty"`
	// IntervalSeconds is 0..900 (0: deliver within moments); nil means
	// the default, 60.
	IntervalSeconds *int `json:"intervalSeconds,omitempty"`
}

// Processor is the transform run on each batch, Firehose's Lambda processor.
type Processor struct {
	// Module is a registry reference: "name" (newest version) or
	// "name@version". The Firehose API's LambdaArn
	// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:VERSION] maps onto it.
	Module string `json:"module"`
	// Parameters reach the module as environment variables.
	Parameters map[string]string `json:"parameters,omitempty"`
	// KVBuckets the module may read with kv_get.
	KVBuckets []string `json:"kvBuckets,omitempty"`
	// Retries after a failed invocation before the batch goes to the error
	// output (Firehose's NumberOfRetries, default 3).
	Retries *int `json:"retries,omitempty"`
	// BatchMiB and BatchRecords cap one invocation (Firehose's
	// BufferSizeInMBs 0.2..3, default 1; records default 500).
	BatchMiB     float64 `json:"batchMiB,omitempty"`
	BatchRecords int     `json:"batchRecords,omitempty"`
	// TimeoutSeconds is the deadline per invocation (default 10).
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// MemoryMiB caps the module's memory (default 64).
	MemoryMiB int `json:"memoryMiB,omitempty"`
}

// Record processor types, in the order Firehose applies them.
const (
	ProcDecompression  = "Decompression"
	ProcCloudWatchLogs = "CloudWatchLogProcessing"
	ProcDeaggregation  = "RecordDeAggregation"
)

// Sub-record types of RecordDeAggregation.
const (
	SubRecordJSON      = "JSON"
	SubRecordDelimited = "DELIMITED"
)

// RecordProcessor is one of Firehose's built-in processors (the API's
// ProcessingConfiguration Processors other than Lambda). Each takes only
// its own fields.
type RecordProcessor struct {
	// Type is ProcDecompression, ProcCloudWatchLogs or ProcDeaggregation.
	Type string `json:"type"`
	// CompressionFormat of Decompression: GZIP (the default, and the only
	// one Firehose has).
	CompressionFormat string `json:"compressionFormat,omitempty"`
	// DataMessageExtraction of CloudWatchLogProcessing: each log event of
	// a CloudWatch Logs subscription payload becomes a record of its
	// message. It must be true (the default); the processor needs a
	// Decompression processor.
	DataMessageExtraction *bool `json:"dataMessageExtraction,omitempty"`
	// SubRecordType of RecordDeAggregation: SubRecordJSON (a record holds
	// JSON objects one after another, with or without newlines) or
	// SubRecordDelimited (pieces separated by Delimiter).
	SubRecordType string `json:"subRecordType,omitempty"`
	// Delimiter of a DELIMITED RecordDeAggregation, as text (the
	// Firehose API's is base64-encoded).
	Delimiter string `json:"delimiter,omitempty"`
}

// Destination kinds.
const (
	DestFolder   = "folder"
	DestS3       = "s3"
	DestHTTP     = "http"
	DestKinesis  = "kinesis"
	DestFirehose = "firehose"
)

// Destination says where batches go and how objects are named.
type Destination struct {
	Kind   string      `json:"kind"`
	Folder *FolderDest `json:"folder,omitempty"`
	S3     *S3Dest     `json:"s3,omitempty"`
	HTTP   *HTTPDest   `json:"http,omitempty"`
	// Kinesis and Firehose forward the records to a Kinesis data stream
	// or a Firehose delivery stream (on AWS, or another Sluice).
	Kinesis  *StreamDest `json:"kinesis,omitempty"`
	Firehose *StreamDest `json:"firehose,omitempty"`
	// Prefix of object keys, with Firehose's expressions
	// (!{timestamp:yyyy/MM/dd/HH}, !{partitionKeyFromQuery:k},
	// !{partitionKeyFromLambda:k}, !{firehose:random-string}); default
	// "!{timestamp:yyyy/MM/dd/HH}/".
	Prefix string `json:"prefix,omitempty"`
	// ErrorPrefix of the error output's keys; may use
	// !{firehose:error-output-type}; default
	// "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/".
	ErrorPrefix string `json:"errorPrefix,omitempty"`
	// PartitionQueries are jq expressions over each (transformed) JSON
	// record, by key name, for !{partitionKeyFromQuery:KEY}.
	PartitionQueries map[string]string `json:"partitionQueries,omitempty"`
}

// FolderDest is a local directory under the server's output root
// (Config.OutputRoot; `sluice serve --output-root`, by default the data
// directory's buckets/). A relative Path is taken under the root; an
// absolute one must lie inside it. A path with a ".." element, one that
// leads out of the root through a symbolic link, and one in or around the
// server's own store are refused.
type FolderDest struct {
	Path string `json:"path"`
}

// S3Dest is S3-compatible object storage. Its credentials are static keys,
// each given in the definition (AccessKeyID, SecretAccessKey) or referred
// to (AccessKeyIDFrom, SecretAccessKeyFrom: an environment variable or a
// file of the server, read when the pipeline starts and never stored), or
// the server's own AWS credentials (the SDK's default chain: environment,
// shared files, instance or task role) when UseAmbientCredentials says so.
// A destination with neither is refused: the host's credentials are never
// used by accident.
type S3Dest struct {
	Endpoint            string     `json:"endpoint,omitempty"` // empty: AWS
	Bucket              string     `json:"bucket"`
	Region              string     `json:"region,omitempty"`
	AccessKeyID         string     `json:"accessKeyId,omitempty"`
	AccessKeyIDFrom     *SecretRef `json:"accessKeyIdFrom,omitempty"`
	SecretAccessKey     string     `json:"secretAccessKey,omitempty"`
	SecretAccessKeyFrom *SecretRef `json:"secretAccessKeyFrom,omitempty"`
	// UseAmbientCredentials signs with the server's own AWS credentials.
	UseAmbientCredentials bool `json:"useAmbientCredentials,omitempty"`
	PathStyle             bool `json:"pathStyle,omitempty"`
}

// HTTPDest is an HTTP endpoint following Firehose's HTTP endpoint delivery
// contract. Its errors (after RetrySeconds) and the error output go to
// ErrorStore, a folder or S3 destination.
type HTTPDest struct {
	URL  string `json:"url"`
	Name string `json:"name,omitempty"`
	// AccessKey is sent as X-Amz-Firehose-Access-Key; AccessKeyFrom
	// refers to it instead (see SecretRef).
	AccessKey        string            `json:"accessKey,omitempty"`
	AccessKeyFrom    *SecretRef        `json:"accessKeyFrom,omitempty"`
	CommonAttributes map[string]string `json:"commonAttributes,omitempty"`
	// RetrySeconds is how long a failing request is retried (0..7200,
	// default 300) before its records go to the error output.
	RetrySeconds *int `json:"retrySeconds,omitempty"`
	// ContentEncoding is "" or "GZIP".
	ContentEncoding string `json:"contentEncoding,omitempty"`
	// ErrorStore receives the error output and the backup.
	ErrorStore *Destination `json:"errorStore,omitempty"`
}

// StreamDest is a Kinesis data stream (a "kinesis" destination, put to with
// PutRecords) or a Firehose delivery stream (a "firehose" destination,
// PutRecordBatch) that a delivery stream forwards its records to, after
// the record processors and the transform: on AWS, or on another Sluice
// (an edge box sending its data home). Its credentials are given as an S3
// destination's are. The error output and the backup go to ErrorStore, a
// folder or S3 destination.
//
// Delivery is at least once: Kinesis and Firehose have no idempotent put,
// so a batch replayed after a crash (or cut short by an apply while it was
// being retried) sends its records again, the ones accepted before
// included.
type StreamDest struct {
	// Endpoint is the API's base URL ("https://hub.example:4566"); empty
	// means AWS in Region.
	Endpoint string `json:"endpoint,omitempty"`
	// Region signs the requests (and picks AWS's endpoint); empty means
	// the ARN's region when Stream is an ARN, else us-east-1.
	Region string `json:"region,omitempty"`
	// Stream is the stream's name or ARN.
	Stream              string     `json:"stream"`
	AccessKeyID         string     `json:"accessKeyId,omitempty"`
	AccessKeyIDFrom     *SecretRef `json:"accessKeyIdFrom,omitempty"`
	SecretAccessKey     string     `json:"secretAccessKey,omitempty"`
	SecretAccessKeyFrom *SecretRef `json:"secretAccessKeyFrom,omitempty"`
	// UseAmbientCredentials signs with the server's own AWS credentials.
	UseAmbientCredentials bool `json:"useAmbientCredentials,omitempty"`
	// PartitionKey, for a kinesis destination only, is the partition key
	// of every record. Without it a record keeps the partition key it had
	// in the source data stream (and a KPL user record's explicit hash
	// key), so per-key order and shard placement carry over; a record
	// without one (a direct-put source) gets a key derived from its
	// source position: spread evenly over the shards, and the same on a
	// replay.
	PartitionKey string `json:"partitionKey,omitempty"`
	// RetrySeconds is how long records the stream throttles (refuses for
	// now) are retried before they go to the error output (0..7200,
	// default 300). A stream that cannot be reached, or answers with a
	// server error, is retried for as long as it takes: the records wait
	// in the source (store and forward).
	RetrySeconds *int `json:"retrySeconds,omitempty"`
	// ErrorStore receives the error output and the backup.
	ErrorStore *Destination `json:"errorStore,omitempty"`
}

// stream is d's Kinesis or Firehose destination, nil for other kinds.
func (d *Destination) stream() *StreamDest {
	switch d.Kind {
	case DestKinesis:
		return d.Kinesis
	case DestFirehose:
		return d.Firehose
	}
	return nil
}

// errorStore is the store of the error output and backups of a record
// destination (HTTP, Kinesis, Firehose), nil for an object store (which
// holds its own).
func (d *Destination) errorStore() *Destination {
	if d.Kind == DestHTTP && d.HTTP != nil {
		return d.HTTP.ErrorStore
	}
	if s := d.stream(); s != nil {
		return s.ErrorStore
	}
	return nil
}

// SecretRef says where the server finds a secret a definition refers to
// instead of holding it: exactly one of Env and File. The secret is read
// each time the pipeline's stages are built (at start, after an apply, on a
// replay) and checked when the definition is applied; it is never stored
// and never shown. Describe shows the reference, which is not secret.
type SecretRef struct {
	// Env names an environment variable of the server; it must start with
	// SecretEnvPrefix ("SLUICE_SECRET_"), so a definition cannot send
	// the server's other variables (its own AWS keys, say) to an endpoint.
	Env string `json:"env,omitempty"`
	// File is a file in the server's secrets directory (Config.SecretsDir,
	// `sluice serve --secrets-dir`): a relative path is taken under it, an
	// absolute one must lie inside it, and neither may leave it (".." or a
	// symbolic link out). Its content, without a final newline, is the
	// secret; at most MaxSecretBytes.
	File string `json:"file,omitempty"`
}

// Backup of source records.
type Backup struct {
	// Prefix of backup keys; default "backup/!{timestamp:yyyy/MM/dd/HH}/".
	Prefix string `json:"prefix,omitempty"`
}
