package delivery

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sluice-io/sluice/runtime"
	"github.com/sluice-io/sluice/sinks/keys"
)

// Defaults and limits of a definition. Each is defined once, here or where
// it is enforced (the runtime's bounds on a module), and referenced
// everywhere else: validation (through the Limit table below), the Firehose
// API's translation and description, and the README's limits table (a test
// checks it against LimitTable).
const (
	MaxNameLen = 64 // Firehose's

	// Buffering hints (Firehose's).
	DefaultBufferMiB       = 5
	MinBufferMiB           = 1
	MaxBufferMiB           = 128
	MaxHTTPBufferMiB       = 64 // an HTTP endpoint destination's maximum
	DefaultIntervalSeconds = 60 // a pipeline file's; the Firehose API's is 300
	MaxIntervalSeconds     = 900

	// The processor: Firehose's Lambda processor parameters.
	DefaultRetries  = 3
	MaxRetries      = 300
	DefaultBatchMiB = 1.0
	MinBatchMiB     = 0.2
	MaxBatchMiB     = 3.0
	// Records per invocation: Sluice's own bound.
	DefaultBatchRecords = 500
	MaxBatchRecords     = 10000
	// The runtime's bounds on a call and a module's memory. The most
	// memory a processor may ask for is the runtime's configured ceiling,
	// Runtime.MaxMemoryBytes (runtime.DefaultMaxMemoryBytes unless set):
	// see LimitTable.
	DefaultTimeoutSeconds = int(runtime.DefaultTimeout / time.Second)
	MaxTimeoutSeconds     = int(runtime.MaxTimeout / time.Second)
	DefaultMemoryMiB      = int(runtime.DefaultMemoryBytes / mib)

	// The record processors. Firehose caps RecordDeAggregation at 500
	// sub-records per record; Sluice caps what Decompression may make of
	// one record, so a small record cannot fill memory.
	MaxSubRecords        = 500
	MaxDecompressedBytes = 16 * mib

	// An HTTP endpoint's retry duration (Firehose's RetryOptions).
	DefaultHTTPRetrySecs = 300
	MaxHTTPRetrySecs     = 7200

	// How long a Kinesis or Firehose destination retries records it
	// throttles (Firehose's RetryOptions bounds, applied to throttling
	// only: an outage is waited out).
	DefaultForwardRetrySecs = 300
	MaxForwardRetrySecs     = 7200

	DefaultPrefix       = "!{timestamp:yyyy/MM/dd/HH}/"
	DefaultErrorPrefix  = "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
	DefaultBackupPrefix = "backup/!{timestamp:yyyy/MM/dd/HH}/"
)

// Limit is one bound on a delivery stream: the field that sets it, its
// default and its range. LimitTable lists them all; validation checks each
// field against its Limit, so a message, the check and the documentation
// cannot disagree.
type Limit struct {
	// Field names it in a pipeline file ("buffering.sizeMiB"); "" when no
	// field sets it.
	Field string
	// API is the Firehose API's field for it (a Lambda processor's
	// parameter for the processor's), "" when the API has none.
	API string
	// What names it, in error messages and the README ("buffering size").
	What string
	// Unit of Default, Min and Max: "MiB", "s", "bytes", "" for a count.
	Unit string
	// Default is the value taken when the field is absent (0 with
	// NoDefault); Min and Max bound it. Fixed limits have Min == Max.
	Default, Min, Max float64
	NoDefault         bool
	// Origin says whose number it is: "Firehose", "Lambda", "runtime"
	// (the WebAssembly runtime enforces it) or "Sluice".
	Origin string
	// Note adds what a reader needs ("the API's default is 300 s").
	Note string
	// why, when set, ends the message of a value over the maximum.
	why string
}

// Fixed reports whether the limit cannot be set.
func (l Limit) Fixed() bool { return l.Min == l.Max }

// The limits. memoryLimit is built per Manager: its maximum is the
// runtime's.
var (
	limitName = Limit{Field: "name", API: "DeliveryStreamName", What: "delivery stream name", Unit: "characters",
		Min: 1, Max: MaxNameLen, NoDefault: true, Origin: "Firehose", Note: "letters, digits, _ . -"}
	limitBufferSize = Limit{Field: "buffering.sizeMiB", API: "BufferingHints.SizeInMBs", What: "buffering size", Unit: "MiB",
		Default: DefaultBufferMiB, Min: MinBufferMiB, Max: MaxBufferMiB, Origin: "Firehose"}
	limitHTTPBufferSize = Limit{Field: "buffering.sizeMiB", API: "BufferingHints.SizeInMBs",
		What: "buffering size for an HTTP destination", Unit: "MiB", Default: DefaultBufferMiB, Min: MinBufferMiB, Max: MaxHTTPBufferMiB, Origin: "Firehose"}
	limitInterval = Limit{Field: "buffering.intervalSeconds", API: "BufferingHints.IntervalInSeconds", What: "buffering interval", Unit: "s",
		Default: DefaultIntervalSeconds, Min: 0, Max: MaxIntervalSeconds, Origin: "Firehose", Note: "the API's default is 300 s; 0 delivers within moments"}
	limitRetries = Limit{Field: "processor.retries", API: "NumberOfRetries", What: "processor retries", Unit: "",
		Default: DefaultRetries, Min: 0, Max: MaxRetries, Origin: "Firehose"}
	limitBatchMiB = Limit{Field: "processor.batchMiB", API: "BufferSizeInMBs", What: "processor batch size", Unit: "MiB",
		Default: DefaultBatchMiB, Min: MinBatchMiB, Max: MaxBatchMiB, Origin: "Firehose", Note: "input of one invocation"}
	limitBatchRecords = Limit{Field: "processor.batchRecords", What: "processor batch records", Unit: "records",
		Default: DefaultBatchRecords, Min: 1, Max: MaxBatchRecords, Origin: "Sluice", Note: "records in one invocation"}
	limitTimeout = Limit{Field: "processor.timeoutSeconds", What: "processor timeout", Unit: "s",
		Default: float64(DefaultTimeoutSeconds), Min: 1, Max: float64(MaxTimeoutSeconds), Origin: "runtime", Note: "per invocation; the maximum is Lambda's"}
	limitOutput = fixed(Limit{What: "processor output", Unit: "MiB", Origin: "runtime",
		Note: "the answer to one invocation: Lambda's payload limit"}, runtime.DefaultMaxOutputBytes/mib)
	limitDecompressed = fixed(Limit{Field: "processors", API: "ProcessingConfiguration.Processors", What: "decompressed record", Unit: "MiB", Origin: "Sluice",
		Note: "Decompression: a record that decompresses to more goes to the error output"}, MaxDecompressedBytes/mib)
	limitSubRecords = fixed(Limit{Field: "processors", API: "ProcessingConfiguration.Processors", What: "sub-records of a record", Unit: "records", Origin: "Firehose",
		Note: "RecordDeAggregation: a record that holds more goes to the error output"}, MaxSubRecords)
	limitHTTPRetry = Limit{Field: "destination.http.retrySeconds", API: "RetryOptions.DurationInSeconds", What: "HTTP retry duration", Unit: "s",
		Default: DefaultHTTPRetrySecs, Min: 0, Max: MaxHTTPRetrySecs, Origin: "Firehose", Note: "then the records go to the error output"}
	limitForwardRetry = Limit{Field: "destination.kinesis.retrySeconds, destination.firehose.retrySeconds", What: "throttling retry duration", Unit: "s",
		Default: DefaultForwardRetrySecs, Min: 0, Max: MaxForwardRetrySecs, Origin: "Sluice",
		Note: "records the stream throttles, then the error output; an unreachable stream is retried until it is back"}
	limitPrefix = fixed(Limit{Field: "destination.prefix, destination.errorPrefix", API: "Prefix, ErrorOutputPrefix",
		What: "rendered prefix", Unit: "bytes", Origin: "Firehose", Note: "a record whose prefix renders longer goes to the error output"}, keys.MaxPrefixLen)
	limitPutRecords  = fixed(Limit{API: "PutRecordBatch.Records", What: "records per put", Unit: "records", Origin: "Firehose"}, MaxPutRecords)
	limitPutBytes    = fixed(Limit{API: "PutRecordBatch", What: "bytes per put", Unit: "MiB", Origin: "Firehose"}, MaxPutBytes/mib)
	limitRecordBytes = fixed(Limit{API: "Record.Data", What: "record size", Unit: "KiB", Origin: "Firehose"}, MaxRecordBytes>>10)
	limitTags        = fixed(Limit{API: "Tags", What: "tags per delivery stream", Unit: "tags", Origin: "Firehose", Note: "also per TagDeliveryStream, UntagDeliveryStream and ListTagsForDeliveryStream page"}, MaxTags)
	limitTagKey      = Limit{API: "Tag.Key", What: "tag key", Unit: "characters", Min: 1, Max: MaxTagKeyLen, NoDefault: true, Origin: "Firehose", Note: "Unicode letters, digits, white space, _ . : / = + - @ %; not starting with aws:"}
	limitTagValue    = Limit{API: "Tag.Value", What: "tag value", Unit: "characters", Min: 0, Max: MaxTagValueLen, NoDefault: true, Origin: "Firehose", Note: "the same characters as a key"}
	limitProbe       = fixed(Limit{What: "destination probe at apply", Unit: "s", Origin: "Sluice",
		Note: "each destination; no answer in time is a warning, not a refusal"}, float64(ProbeTimeout/time.Second))
)

// fixed sets l's default, minimum and maximum to v.
func fixed(l Limit, v float64) Limit {
	l.Default, l.Min, l.Max = v, v, v
	return l
}

// memoryLimit bounds processor.memoryMiB by the runtime's ceiling on an
// instance's memory (ceiling bytes, rounded down to whole MiB).
func memoryLimit(ceiling uint64) Limit {
	return Limit{Field: "processor.memoryMiB", What: "processor memory", Unit: "MiB",
		Default: float64(DefaultMemoryMiB), Min: 1, Max: float64(ceiling / mib), Origin: "runtime",
		Note: "per instance; the maximum is the runtime's memory ceiling",
		why:  fmt.Sprintf("this server's runtime gives no module more than %d MiB", ceiling/mib)}
}

// LimitTable returns every limit of a delivery stream, in the README's
// order, for a runtime whose memory ceiling is maxMemoryBytes
// (runtime.DefaultMaxMemoryBytes unless the host sets another).
func LimitTable(maxMemoryBytes uint64) []Limit {
	return []Limit{
		limitName, limitBufferSize, limitHTTPBufferSize, limitInterval,
		limitRetries, limitBatchMiB, limitBatchRecords, limitTimeout, memoryLimit(maxMemoryBytes), limitOutput,
		limitDecompressed, limitSubRecords, limitHTTPRetry, limitForwardRetry, limitPrefix, limitPutRecords, limitPutBytes, limitRecordBytes, limitTags, limitTagKey, limitTagValue, limitProbe,
	}
}

// Limits returns the limits this Manager enforces: LimitTable with its
// runtime's memory ceiling.
func (m *Manager) Limits() []Limit { return LimitTable(m.memoryCeiling()) }

// memoryCeiling is the most memory a processor may ask for.
func (m *Manager) memoryCeiling() uint64 {
	if m.deps.Runtime != nil {
		return m.deps.Runtime.MaxMemoryBytes()
	}
	return runtime.DefaultMaxMemoryBytes
}

// checkInt refuses v outside the limit's range with ErrInvalid.
func (l Limit) checkInt(v int) error { return l.check(float64(v)) }

// check refuses v outside the limit's range with ErrInvalid, naming the
// limit, its range and its field.
func (l Limit) check(v float64) error {
	if v >= l.Min && v <= l.Max {
		return nil
	}
	msg := fmt.Sprintf("%s %s is outside %s..%s (%s)", l.What, l.format(v), formatNum(l.Min), l.format(l.Max), l.Field)
	if l.why != "" && v > l.Max {
		msg += ": " + l.why
	}
	return invalidf("%s", msg)
}

// format writes v with the limit's unit.
func (l Limit) format(v float64) string {
	if l.Unit == "" {
		return formatNum(v)
	}
	return formatNum(v) + " " + l.Unit
}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
