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
	var blobs []byte
	seenName, seenRecords := false, false
	ok := l.Object(func(key []byte) bool {
		switch string(key) {
		case "DeliveryStreamName":
			return decodeName(l, &seenName, &in.DeliveryStreamName)
		case "Records":
			if seenRecords {
				return false
			}
			seenRecords = true
			recs := make([]record, 0, min(l.Len()/64+1, MaxBatchRecords))
			if !l.Array(func() bool {
				recs = append(recs, record{})
				return decodeRecord(l, &blobs, &recs[len(recs)-1])
			}) {
				return false
			}
			in.Records = make([]*record, len(recs))
			for i := range recs {
				in.Records[i] = &recs[i]
			}
			return true
		}
		return false
	})
	return ok && l.End()
}

// DecodeFastJSON decodes a PutRecord request of the usual shape.
func (in *putRecordInput) DecodeFastJSON(body []byte) bool {
	l := awsjson.NewLexer(body)
	var blobs []byte
	seenName := false
	ok := l.Object(func(key []byte) bool {
		switch string(key) {
		case "DeliveryStreamName":
			return decodeName(l, &seenName, &in.DeliveryStreamName)
		case "Record":
			if in.Record != nil {
				return false
			}
			in.Record = &record{}
			return decodeRecord(l, &blobs, in.Record)
		}
		return false
	})
	return ok && l.End()
}

// decodeName decodes the DeliveryStreamName member, once only.
func decodeName(l *awsjson.Lexer, seen *bool, dst *string) bool {
	if *seen {
		return false
	}
	*seen = true
	var ok bool
	*dst, ok = l.String()
	return ok
}

// decodeRecord decodes one record's object: {"Data": base64}.
func decodeRecord(l *awsjson.Lexer, blobs *[]byte, r *record) bool {
	return l.Object(func(key []byte) bool {
		if string(key) != "Data" || r.Data != nil {
			return false
		}
		var ok bool
		r.Data, ok = l.Blob(blobs)
		return ok
	})
}
