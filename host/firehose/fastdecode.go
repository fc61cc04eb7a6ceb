package firehose

import "github.com/sluice-io/sluice/host/awsjson"

// The JSON decoders of PutRecordBatch and PutRecord (see
// awsjson.FastDecoder): they take the members as the AWS SDKs send them,
// spelled exactly so, each once, with string values, and hand anything
// else to encoding/json, so a request decodes to the same input either
// way (FuzzFastDecode compares the two).

var (
	_ awsjson.FastDecoder = (*putRecordBatchInput)(nil)
	_ awsjson.FastDecoder = (*putRecordInput)(nil)
)

// DecodeFastJSON decodes a PutRecordBatch request of the usual shape.
func (in *putRecordBatchInput) DecodeFastJSON(body []byte) bool {
	l := awsjson.NewLexer(body)
	if !l.Take('{') {
		return false
	}
	var blobs []byte
	seenName, seenRecords := false, false
	for first := true; ; first = false {
		more, ok := l.Member(first)
		if !ok {
			return false
		}
		if !more {
			break
		}
		key, ok := l.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "DeliveryStreamName":
			if seenName {
				return false
			}
			seenName = true
			if in.DeliveryStreamName, ok = l.String(); !ok {
				return false
			}
		case "Records":
			if seenRecords || !l.Take('[') {
				return false
			}
			seenRecords = true
			recs := make([]record, 0, min(l.Len()/64+1, MaxBatchRecords))
			for first := true; ; first = false {
				more, ok := l.Element(first)
				if !ok {
					return false
				}
				if !more {
					break
				}
				recs = append(recs, record{})
				if !decodeRecord(l, &blobs, &recs[len(recs)-1]) {
					return false
				}
			}
			in.Records = make([]*record, len(recs))
			for i := range recs {
				in.Records[i] = &recs[i]
			}
		default:
			return false
		}
	}
	return l.End()
}

// DecodeFastJSON decodes a PutRecord request of the usual shape.
func (in *putRecordInput) DecodeFastJSON(body []byte) bool {
	l := awsjson.NewLexer(body)
	if !l.Take('{') {
		return false
	}
	var blobs []byte
	seenName := false
	for first := true; ; first = false {
		more, ok := l.Member(first)
		if !ok {
			return false
		}
		if !more {
			break
		}
		key, ok := l.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "DeliveryStreamName":
			if seenName {
				return false
			}
			seenName = true
			if in.DeliveryStreamName, ok = l.String(); !ok {
				return false
			}
		case "Record":
			if in.Record != nil {
				return false
			}
			in.Record = &record{}
			if !decodeRecord(l, &blobs, in.Record) {
				return false
			}
		default:
			return false
		}
	}
	return l.End()
}

// decodeRecord decodes one record's object: {"Data": base64}.
func decodeRecord(l *awsjson.Lexer, blobs *[]byte, r *record) bool {
	if !l.Take('{') {
		return false
	}
	for first := true; ; first = false {
		more, ok := l.Member(first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		key, ok := l.Key()
		if !ok || string(key) != "Data" || r.Data != nil {
			return false
		}
		if r.Data, ok = l.Blob(blobs); !ok {
			return false
		}
	}
}
