package delivery

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/format"
	"github.com/sluice-io/sluice/sinks/keys"
)

// output is what one processed batch writes.
type output struct {
	names   *naming // with the version of the batch's intent
	span    span    // the batch's range and naming time
	version int     // the definition version of the batch's intent
	backup  *pending
	data    []pending // data objects (folder or S3 destination)
	recs    [][]byte  // records for a record destination (HTTP, Kinesis, Firehose), in order
	recSrc  []*record // the source record of each of recs
	errors  []errorRecord
	// delivered counts records in data objects (or sent to a record
	// destination);
	// dropped those the processor dropped.
	delivered, dropped int
}

// pending is an object and how many records it holds; for a data object
// also the records themselves, for the error output should the
// destination refuse the object for good.
type pending struct {
	obj     sinks.Object
	records int
	recs    []outRecord
}

func (o *output) objectCount() int {
	if o.recs != nil {
		return 1
	}
	return len(o.data)
}

// errorRecord is one line of the error output, with Firehose's fields.
type errorRecord struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                []byte `json:"rawData"` // base64 in JSON
	LambdaArn              string `json:"lambdaArn,omitempty"`
	SequenceNumber         string `json:"sequenceNumber,omitempty"`
	// SubSequenceNumber is a data-stream record's subsequence number (its
	// index in its KPL aggregate; 0 for a record put on its own), named as
	// in Firehose's error records.
	SubSequenceNumber *int64 `json:"subSequenceNumber,omitempty"`
	ShardID           string `json:"shardId,omitempty"`
	// For a source-gap: the sequences gone and how many records (absent
	// when not known), and the data stream they were lost from.
	FirstSequenceNumber string  `json:"firstSequenceNumber,omitempty"`
	LastSequenceNumber  string  `json:"lastSequenceNumber,omitempty"`
	LostRecords         *uint64 `json:"lostRecords,omitempty"`
	SourceStream        string  `json:"sourceStream,omitempty"`

	kind    string    // error output type (keys.ProcessingFailed...)
	arrival time.Time // of the source record
}

// Error codes of the error output.
const (
	codeProcessingFailed   = "Lambda.ProcessingFailed"
	codeFunctionError      = "Lambda.FunctionError"
	codeMalformedData      = "DataFormatConversion.MalformedData"
	codeSchemaMismatch     = "DataFormatConversion.SchemaMismatch"
	codeConversionWrite    = "DataFormatConversion.WriteFailed"
	codePartitioningFailed = "DynamicPartitioning.MetadataExtractionFailed"
	codeInvalidPrefix      = "DynamicPartitioning.InvalidPrefix"
	codeActivePartitions   = "DynamicPartitioning.ActivePartitionExceeded"
	codeHTTPEndpoint       = "HttpEndpoint.RequestFailed"
)

// errorKinds are the error output types in the order their objects are
// written.
var errorKinds = []string{keys.DecompressionFailed, keys.ProcessingFailed, keys.FormatConversionFailed, keys.PartitioningFailed,
	keys.HTTPEndpointFailed, keys.DeliveryFailed, keys.SourceGap}

// newError makes an error record for a source record r with the data that
// failed.
func (st *stages) newError(r *record, kind, code, msg string, attempts int, data []byte) errorRecord {
	var sub *int64
	if r.shardID != "" {
		n := r.sub
		sub = &n
	}
	return errorRecord{
		AttemptsMade:           attempts,
		ArrivalTimestamp:       r.arrival.UnixMilli(),
		ErrorCode:              code,
		ErrorMessage:           msg,
		AttemptEndingTimestamp: st.p.m.cfg.Now().UnixMilli(),
		RawData:                data,
		LambdaArn:              st.lambda,
		SequenceNumber:         r.sequenceNumber,
		SubSequenceNumber:      sub,
		ShardID:                r.shardID,
		kind:                   kind,
		arrival:                r.arrival,
	}
}

// errorObjects groups error records by output type into JSON lines
// objects under the error prefix, in a fixed order of types, each named by
// the batch's range and time (so a replay overwrites them).
func (st *stages) errorObjects(o *output) ([]pending, error) {
	var out []pending
	for _, kind := range errorKinds {
		var buf bytes.Buffer
		n := 0
		for i := range o.errors {
			e := &o.errors[i]
			if e.kind != kind {
				continue
			}
			line, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			buf.Write(line)
			buf.WriteByte('\n')
			n++
		}
		if n == 0 {
			continue
		}
		key, err := o.names.errorKey(o.span, kind)
		if err != nil {
			return nil, err
		}
		out = append(out, pending{obj: sinks.Object{Key: key, Body: buf.Bytes(), ContentType: format.ContentTypeJSONLines}, records: n})
	}
	return out, nil
}

// backupObject writes the batch's source records as they arrived, one per
// line.
func (st *stages) backupObject(batch []record, o *output) (*pending, error) {
	var buf bytes.Buffer
	for i := range batch {
		d := batch[i].data
		buf.Write(d)
		if len(d) == 0 || d[len(d)-1] != '\n' {
			buf.WriteByte('\n')
		}
	}
	key, err := o.names.backupKey(o.span)
	if err != nil {
		return nil, err
	}
	return &pending{obj: sinks.Object{Key: key, Body: buf.Bytes(), ContentType: format.ContentTypeJSONLines}, records: len(batch)}, nil
}
