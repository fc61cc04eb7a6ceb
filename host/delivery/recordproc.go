package delivery

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/sluice-io/sluice/sinks/keys"
)

// procOrder is the order Firehose applies its record processors in, and
// the order a normalized definition lists them.
var procOrder = []string{ProcDecompression, ProcCloudWatchLogs, ProcDeaggregation}

// Error codes of the record processors (Firehose documents the
// decompression-failed output type, not its codes: these are Sluice's).
const (
	codeDecompressionFailed = "Decompression.Failed"
	codeDecompressedTooBig  = "Decompression.TooLarge"
	codeNotCloudWatchLogs   = "CloudWatchLogProcessing.InvalidPayload"
	codeDeaggregationBad    = "RecordDeAggregation.MalformedData"
	codeTooManySubRecords   = "RecordDeAggregation.TooManyRecords"
)

// CloudWatch Logs subscription message types.
const (
	cwlData    = "DATA_MESSAGE"
	cwlControl = "CONTROL_MESSAGE"
)

// normalizeProcessors checks a definition's record processors, fills their
// defaults and sorts them into Firehose's order (an empty list becomes
// nil, so applying the same file twice changes nothing).
func normalizeProcessors(ps *[]RecordProcessor) error {
	if len(*ps) == 0 {
		*ps = nil
		return nil
	}
	seen := map[string]bool{}
	for i := range *ps {
		p := &(*ps)[i]
		where := fmt.Sprintf("processors[%d]", i)
		if !slices.Contains(procOrder, p.Type) {
			return invalidf("%s: type %q must be %s, %s or %s (the WebAssembly transform is processor, not processors)",
				where, p.Type, ProcDecompression, ProcCloudWatchLogs, ProcDeaggregation)
		}
		if seen[p.Type] {
			return invalidf("%s: only one %s processor is allowed", where, p.Type)
		}
		seen[p.Type] = true
		other := func(set bool, field string) error {
			if set {
				return invalidf("%s: %s takes no %s", where, p.Type, field)
			}
			return nil
		}
		var err error
		switch p.Type {
		case ProcDecompression:
			if p.CompressionFormat == "" {
				p.CompressionFormat = "GZIP"
			}
			if p.CompressionFormat != "GZIP" {
				return invalidf("%s: compressionFormat %q must be GZIP", where, p.CompressionFormat)
			}
			err = cmp.Or(other(p.DataMessageExtraction != nil, "dataMessageExtraction"), other(p.SubRecordType != "", "subRecordType"), other(p.Delimiter != "", "delimiter"))
		case ProcCloudWatchLogs:
			if p.DataMessageExtraction == nil {
				t := true
				p.DataMessageExtraction = &t
			}
			if !*p.DataMessageExtraction {
				return invalidf("%s: %s needs dataMessageExtraction: true (to deliver the decompressed payloads whole, use Decompression alone)", where, p.Type)
			}
			err = cmp.Or(other(p.CompressionFormat != "", "compressionFormat"), other(p.SubRecordType != "", "subRecordType"), other(p.Delimiter != "", "delimiter"))
		case ProcDeaggregation:
			switch p.SubRecordType {
			case SubRecordJSON:
				err = other(p.Delimiter != "", "delimiter with subRecordType JSON")
			case SubRecordDelimited:
				if p.Delimiter == "" {
					return invalidf("%s: subRecordType %s needs a delimiter", where, SubRecordDelimited)
				}
			default:
				return invalidf("%s: subRecordType %q must be %s or %s", where, p.SubRecordType, SubRecordJSON, SubRecordDelimited)
			}
			err = cmp.Or(err, other(p.CompressionFormat != "", "compressionFormat"), other(p.DataMessageExtraction != nil, "dataMessageExtraction"))
		}
		if err != nil {
			return err
		}
	}
	if seen[ProcCloudWatchLogs] && !seen[ProcDecompression] {
		return invalidf("processors: %s needs a %s processor (CloudWatch Logs sends its payloads gzipped)", ProcCloudWatchLogs, ProcDecompression)
	}
	slices.SortStableFunc(*ps, func(a, b RecordProcessor) int {
		return slices.Index(procOrder, a.Type) - slices.Index(procOrder, b.Type)
	})
	return nil
}

// recordProcessors are a definition's record processors, ready to run.
type recordProcessors struct {
	decompress, cloudWatchLogs bool
	split                      string // "", SubRecordJSON or SubRecordDelimited
	delimiter                  []byte
}

func newRecordProcessors(ps []RecordProcessor) recordProcessors {
	var rp recordProcessors
	for _, p := range ps {
		switch p.Type {
		case ProcDecompression:
			rp.decompress = true
		case ProcCloudWatchLogs:
			rp.cloudWatchLogs = true
		case ProcDeaggregation:
			rp.split, rp.delimiter = p.SubRecordType, []byte(p.Delimiter)
		}
	}
	return rp
}

func (rp recordProcessors) none() bool { return !rp.decompress && !rp.cloudWatchLogs && rp.split == "" }

// run applies the processors to one user record, in Firehose's order:
// Decompression, CloudWatchLogProcessing, RecordDeAggregation. What they
// make goes to b.items; a record one cannot handle goes to b.failed (with
// the data that processor was given), and one that makes nothing (a
// CloudWatch Logs control message) is counted in b.dropped.
func (rp recordProcessors) run(b *batch, r record) {
	if rp.decompress {
		data, code, err := decompress(r.data)
		if err != nil {
			b.failed = append(b.failed, failedRecord{rec: r, kind: keys.DecompressionFailed, code: code, msg: err.Error()})
			return
		}
		r.data = data
		b.size += len(data)
	}
	items := []record{r}
	if rp.cloudWatchLogs {
		msgs, err := logMessages(r.data)
		if err != nil {
			b.failed = append(b.failed, failedRecord{rec: r, kind: keys.ProcessingFailed, code: codeNotCloudWatchLogs, msg: err.Error()})
			return
		}
		if len(msgs) == 0 {
			b.dropped++
			return
		}
		items = make([]record, len(msgs))
		for i, m := range msgs {
			items[i] = r
			items[i].data, items[i].split, items[i].part = m, true, i
			b.size += len(m)
		}
	}
	if rp.split == "" {
		b.items = append(b.items, items...)
		return
	}
	part := 0
	for _, it := range items {
		pieces, code, err := rp.subRecords(it.data)
		if err != nil {
			b.failed = append(b.failed, failedRecord{rec: it, kind: keys.ProcessingFailed, code: code, msg: err.Error()})
			continue
		}
		for _, p := range pieces {
			sub := it
			sub.data, sub.split, sub.part = p, true, part
			part++
			b.items = append(b.items, sub)
		}
	}
}

// decompress gunzips a gzip record (several members read as one), to at
// most MaxDecompressedBytes.
func decompress(data []byte) ([]byte, string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, codeDecompressionFailed, fmt.Errorf("the record is not gzip: %v", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxDecompressedBytes+1))
	if err != nil {
		return nil, codeDecompressionFailed, fmt.Errorf("the record does not decompress: %v", err)
	}
	if len(out) > MaxDecompressedBytes {
		return nil, codeDecompressedTooBig, fmt.Errorf("the record decompresses to more than %d MiB (%s)", MaxDecompressedBytes/mib, limitDecompressed.What)
	}
	return out, "", nil
}

// logMessages reads a CloudWatch Logs subscription payload (decompressed)
// and returns the message of each of its log events. A control message
// (CloudWatch Logs checking that the destination is reachable) has none.
func logMessages(data []byte) ([][]byte, error) {
	var p struct {
		MessageType *string `json:"messageType"`
		LogEvents   []struct {
			Message *string `json:"message"`
		} `json:"logEvents"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not a CloudWatch Logs subscription payload: %v", err)
	}
	if p.MessageType == nil {
		return nil, errors.New("not a CloudWatch Logs subscription payload: it has no messageType")
	}
	switch *p.MessageType {
	case cwlControl:
		return nil, nil
	case cwlData:
	default:
		return nil, fmt.Errorf("not a CloudWatch Logs subscription payload: messageType %q is neither %s nor %s", *p.MessageType, cwlData, cwlControl)
	}
	out := make([][]byte, 0, len(p.LogEvents))
	for i, e := range p.LogEvents {
		if e.Message == nil {
			return nil, fmt.Errorf("log event %d has no message", i)
		}
		out = append(out, []byte(*e.Message))
	}
	return out, nil
}

// subRecords splits a record for RecordDeAggregation: JSON objects one
// after another (with or without whitespace between them; an array is not
// such a record), or pieces between delimiters (a final delimiter ends the
// last piece rather than starting an empty one). The pieces are slices of
// data.
func (rp recordProcessors) subRecords(data []byte) ([][]byte, string, error) {
	var out [][]byte
	if rp.split == SubRecordDelimited {
		out = bytes.Split(data, rp.delimiter)
		if len(out) > 1 && len(out[len(out)-1]) == 0 {
			out = out[:len(out)-1]
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			start := int(dec.InputOffset())
			var v objectBounds
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, codeDeaggregationBad, fmt.Errorf("sub-record %d is not JSON: %v", len(out), err)
			}
			if !v.object {
				return nil, codeDeaggregationBad, fmt.Errorf("sub-record %d is not a JSON object", len(out))
			}
			end := int(dec.InputOffset())
			out = append(out, bytes.TrimLeft(data[start:end], " \t\r\n"))
			if len(out) > MaxSubRecords {
				break
			}
		}
		if len(out) == 0 {
			return nil, codeDeaggregationBad, errors.New("the record holds no JSON object")
		}
	}
	if len(out) > MaxSubRecords {
		return nil, codeTooManySubRecords, fmt.Errorf("the record holds more than %d sub-records (%s)", MaxSubRecords, limitSubRecords.What)
	}
	return out, "", nil
}

// objectBounds is decoded into to check a value is a JSON object without
// keeping a copy of it.
type objectBounds struct{ object bool }

// UnmarshalJSON is given the value's bytes, without leading whitespace.
func (o *objectBounds) UnmarshalJSON(b []byte) error {
	o.object = len(b) > 0 && b[0] == '{'
	return nil
}
