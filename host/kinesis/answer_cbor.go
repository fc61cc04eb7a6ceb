package kinesis

import (
	"bufio"
	"io"

	"github.com/sluice-io/sluice/host/awscbor"
	"github.com/sluice-io/sluice/host/awsjson"
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
	recordMembers := 4
	if a.encryption != "" {
		recordMembers++
	}
	b := bw.AvailableBuffer()
	b = awscbor.AppendMapHead(b, members)
	b = awscbor.AppendText(b, "Records")
	b = awscbor.AppendArrayHead(b, len(res.Records))
	bw.Write(b)
	for _, r := range res.Records {
		b = bw.AvailableBuffer()
		b = awscbor.AppendMapHead(b, recordMembers)
		b = awscbor.AppendText(b, "SequenceNumber")
		b = awscbor.AppendText(b, r.SequenceNumber)
		b = awscbor.AppendText(b, "ApproximateArrivalTimestamp")
		b = awscbor.AppendTime(b, r.Arrival)
		b = awscbor.AppendText(b, "Data")
		b = awscbor.AppendBytesHead(b, len(r.Data))
		bw.Write(b)
		bw.Write(r.Data)
		b = bw.AvailableBuffer()
		b = awscbor.AppendText(b, "PartitionKey")
		b = awscbor.AppendText(b, r.PartitionKey)
		if a.encryption != "" {
			b = awscbor.AppendText(b, "EncryptionType")
			b = awscbor.AppendText(b, a.encryption)
		}
		bw.Write(b)
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
