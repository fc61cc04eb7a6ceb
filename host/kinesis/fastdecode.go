package kinesis

import "github.com/sluice-io/sluice/host/awsjson"

// The JSON decoders of PutRecord and PutRecords, the inputs of nearly all
// of a busy server's requests (see awsjson.FastDecoder): they take the
// members as the AWS SDKs send them, spelled exactly so, each once, with
// string values, and hand anything else to encoding/json, so a request
// decodes to the same input, and is answered the same, either way
// (FuzzFastDecode compares the two).

var (
	_ awsjson.FastDecoder = (*putRecordsInput)(nil)
	_ awsjson.FastDecoder = (*putRecordInput)(nil)
)

// Bits of the members seen, to decline a repeated one (encoding/json
// merges repeats in ways not worth copying).
const (
	seenStreamName = 1 << iota
	seenStreamARN
	seenRecords
	seenData
	seenPartitionKey
	seenExplicitHashKey
	seenSequenceForOrdering
)

// DecodeFastJSON decodes a PutRecords request of the usual shape.
func (in *putRecordsInput) DecodeFastJSON(body []byte) bool {
	l := awsjson.NewLexer(body)
	var blobs []byte
	seen := 0
	ok := l.Object(func(key []byte) bool {
		var bit int
		var ok bool
		switch string(key) {
		case "StreamName":
			bit, ok = seenStreamName, decodeString(l, &in.StreamName)
		case "StreamARN":
			bit, ok = seenStreamARN, decodeString(l, &in.StreamARN)
		case "Records":
			bit, ok = seenRecords, in.records(l, &blobs)
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	return ok && l.End()
}

// records decodes the Records member: an array of entries.
func (in *putRecordsInput) records(l *awsjson.Lexer, blobs *[]byte) bool {
	recs := make([]putRecordsEntry, 0, estimateRecords(l.Len()))
	if !l.Array(func() bool {
		recs = append(recs, putRecordsEntry{})
		r := &recs[len(recs)-1]
		return decodeRecord(l, blobs, &r.Data, &r.PartitionKey, &r.ExplicitHashKey, nil, nil)
	}) {
		return false
	}
	in.Records = recs
	return true
}

// estimateRecords guesses how many entries a body of n bytes holds, to
// size the slice once: at most a PutRecords' worth.
func estimateRecords(n int) int { return min(n/64+1, 500) }

// DecodeFastJSON decodes a PutRecord request of the usual shape.
func (in *putRecordInput) DecodeFastJSON(body []byte) bool {
	l := awsjson.NewLexer(body)
	var blobs []byte
	if !decodeRecord(l, &blobs, &in.Data, &in.PartitionKey, &in.ExplicitHashKey, &in.streamRef, &in.SequenceNumberForOrdering) {
		return false
	}
	return l.End()
}

// decodeString decodes a string member.
func decodeString(l *awsjson.Lexer, dst **string) bool {
	s, ok := l.String()
	*dst = &s
	return ok
}

// decodeRecord decodes one record's object: a PutRecords entry (ref nil)
// or a whole PutRecord request (with its stream and sequence members).
func decodeRecord(l *awsjson.Lexer, blobs *[]byte, data *[]byte, key, hashKey **string, ref *streamRef, seq **string) bool {
	seen := 0
	return l.Object(func(name []byte) bool {
		var bit int
		var dst **string
		switch string(name) {
		case "Data":
			bit = seenData
			var ok bool
			if *data, ok = l.Blob(blobs); !ok {
				return false
			}
		case "PartitionKey":
			bit, dst = seenPartitionKey, key
		case "ExplicitHashKey":
			bit, dst = seenExplicitHashKey, hashKey
		case "StreamName", "StreamARN", "SequenceNumberForOrdering":
			if ref == nil {
				return false
			}
			switch string(name) {
			case "StreamName":
				bit, dst = seenStreamName, &ref.StreamName
			case "StreamARN":
				bit, dst = seenStreamARN, &ref.StreamARN
			default:
				bit, dst = seenSequenceForOrdering, seq
			}
		default:
			return false
		}
		if dst != nil && !decodeString(l, dst) {
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
}
