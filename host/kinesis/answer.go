package kinesis

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// recordsAnswer is GetRecords' answer, written straight to the connection
// (awsjson.Streamer) in getRecordsOutput's JSON shape: the records' data
// is base64-encoded on the way out instead of being built in memory as a
// 13 MiB string first. Close returns the answer's bytes to the engine's
// read budget.
type recordsAnswer struct {
	res *streams.ReadResult
	// encryption is every record's EncryptionType (KMS), or "" to leave it
	// out, as AWS does for records stored unencrypted.
	encryption string
}

var (
	_ awsjson.Streamer = (*recordsAnswer)(nil)
	_ io.Closer        = (*recordsAnswer)(nil)
)

// Close releases the records.
func (a *recordsAnswer) Close() error {
	a.res.Release()
	return nil
}

// StreamJSON writes the answer as encoding/json would write
// getRecordsOutput (the record's Data is "" rather than null when empty).
func (a *recordsAnswer) StreamJSON(w io.Writer) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	res := a.res
	bw.WriteString(`{"Records":[`)
	for i, r := range res.Records {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(`{"SequenceNumber":`)
		writeJSON(bw, r.SequenceNumber)
		bw.WriteString(`,"ApproximateArrivalTimestamp":`)
		ts, _ := awsjson.Time{Time: r.Arrival}.MarshalJSON()
		bw.Write(ts)
		bw.WriteString(`,"Data":"`)
		writeBase64(bw, r.Data)
		bw.WriteString(`","PartitionKey":`)
		writeJSON(bw, r.PartitionKey)
		if a.encryption != "" {
			bw.WriteString(`,"EncryptionType":`)
			writeJSON(bw, a.encryption)
		}
		bw.WriteByte('}')
	}
	bw.WriteByte(']')
	if res.NextIterator != "" {
		bw.WriteString(`,"NextShardIterator":`)
		writeJSON(bw, res.NextIterator)
	}
	bw.WriteString(`,"MillisBehindLatest":`)
	bw.WriteString(strconv.FormatInt(res.MillisBehindLatest, 10))
	if len(res.ChildShards) > 0 {
		bw.WriteString(`,"ChildShards":`)
		writeJSON(bw, childShards(res.ChildShards))
	}
	bw.WriteByte('}')
	return bw.Flush()
}

// base64Chunk is how much data writeBase64 encodes at a time: a multiple
// of 3, so that only the last chunk is padded.
const base64Chunk = 3 << 10

// writeBase64 writes data base64-encoded (standard alphabet, padded)
// through w's own buffer, without allocating.
func writeBase64(w *bufio.Writer, data []byte) {
	for len(data) > 0 {
		n := min(len(data), base64Chunk)
		if w.Available() < base64.StdEncoding.EncodedLen(n) {
			_ = w.Flush()
		}
		w.Write(base64.StdEncoding.AppendEncode(w.AvailableBuffer(), data[:n]))
		data = data[n:]
	}
}

// writeJSON writes a small value as encoding/json does; the values are
// strings and shard lists, which always encode.
func writeJSON(w *bufio.Writer, v any) {
	b, _ := json.Marshal(v)
	w.Write(b)
}

// childShards is the ChildShards of a closed shard read to its end.
func childShards(children []streams.Shard) []childShard {
	var out []childShard
	for _, c := range children {
		parents := []string{c.ParentShardID}
		if c.AdjacentParentShardID != "" {
			parents = append(parents, c.AdjacentParentShardID)
		}
		out = append(out, childShard{
			ShardId: c.ID, ParentShards: parents,
			HashKeyRange: hashKeyRange{c.StartingHashKey, c.EndingHashKey},
		})
	}
	return out
}
