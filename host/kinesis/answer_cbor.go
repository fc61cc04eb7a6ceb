package kinesis

import (
	"bufio"
	"io"

	"github.com/sluice-io/sluice/host/awscbor"
	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

var _ awsjson.CBORStreamer = (*recordsAnswer)(nil)

// StreamCBOR writes the answer as a CBOR map in getRecordsOutput's shape
// (members in the model's order, each record's Data a byte string
// written straight from the record, timestamps as epoch milliseconds
// under tag 1), with definite lengths: like StreamJSON, it builds nothing
// in memory but one record's heads.
func (a *recordsAnswer) StreamCBOR(w io.Writer) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	res := a.res
	members := 2 // Records, MillisBehindLatest
	if res.NextIterator != "" {
		members++
	}
	if len(res.ChildShards) > 0 {
		members++
	}
	b := bw.AvailableBuffer()
	b = awscbor.AppendMapHead(b, members)
	b = awscbor.AppendText(b, "Records")
	b = awscbor.AppendArrayHead(b, len(res.Records))
	bw.Write(b)
	for _, r := range res.Records {
		bw.Write(appendRecordHeadCBOR(bw.AvailableBuffer(), &r, a.encryption))
		bw.Write(r.Data)
		bw.Write(appendRecordTailCBOR(bw.AvailableBuffer(), &r, a.encryption))
	}
	b = bw.AvailableBuffer()
	if res.NextIterator != "" {
		b = awscbor.AppendText(b, "NextShardIterator")
		b = awscbor.AppendText(b, res.NextIterator)
	}
	b = awscbor.AppendText(b, "MillisBehindLatest")
	b = awscbor.AppendInt(b, res.MillisBehindLatest)
	bw.Write(b)
	if len(res.ChildShards) > 0 {
		children, err := awscbor.Marshal(childShards(res.ChildShards))
		if err != nil {
			return err
		}
		b = awscbor.AppendText(bw.AvailableBuffer(), "ChildShards")
		bw.Write(b)
		bw.Write(children)
	}
	return bw.Flush()
}

// appendRecordHeadCBOR appends a record's CBOR map, as GetRecords and
// SubscribeToShard answer it, up to the head of its Data byte string: the
// caller writes the data itself, then appendRecordTailCBOR.
func appendRecordHeadCBOR(b []byte, r *streams.StoredRecord, encryption string) []byte {
	members := 4
	if encryption != "" {
		members++
	}
	b = awscbor.AppendMapHead(b, members)
	b = awscbor.AppendText(b, "SequenceNumber")
	b = awscbor.AppendText(b, r.SequenceNumber)
	b = awscbor.AppendText(b, "ApproximateArrivalTimestamp")
	b = awscbor.AppendTime(b, r.Arrival)
	b = awscbor.AppendText(b, "Data")
	return awscbor.AppendBytesHead(b, len(r.Data))
}

// appendRecordTailCBOR appends the members of a record's CBOR map after
// its Data.
func appendRecordTailCBOR(b []byte, r *streams.StoredRecord, encryption string) []byte {
	b = awscbor.AppendText(b, "PartitionKey")
	b = awscbor.AppendText(b, r.PartitionKey)
	if encryption != "" {
		b = awscbor.AppendText(b, "EncryptionType")
		b = awscbor.AppendText(b, encryption)
	}
	return b
}
