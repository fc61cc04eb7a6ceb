package transform

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The magic numbers that open an encoded batch and an encoded response
// (little-endian "SLB1" and "SLR1").
const (
	batchMagic    uint32 = 0x31424C53
	responseMagic uint32 = 0x31524C53
)

// flagKinesis is the record flag saying kinesis metadata follows.
const flagKinesis = 1

// minRecordSize is the smallest encoding of a record: an empty record id,
// the timestamp, the flags and an empty data field. It bounds how many
// records a batch of a given size can claim, so a corrupt count cannot make
// the decoder allocate without limit.
const minRecordSize = 4 + 8 + 1 + 4

// ErrMalformedBatch is wrapped by every error decoding a batch the host sent.
var ErrMalformedBatch = errors.New("malformed batch")

// decoder reads the ABI's little-endian encoding and remembers the offset,
// so an error can say where the input went wrong.
type decoder struct {
	buf []byte
	off int
}

func (d *decoder) fail(what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformedBatch, what, d.off)
}

func (d *decoder) take(n int, what string) ([]byte, error) {
	if n < 0 || len(d.buf)-d.off < n {
		return nil, d.fail(what + " past the end")
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b, nil
}

func (d *decoder) u8(what string) (uint8, error) {
	b, err := d.take(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (d *decoder) u32(what string) (uint32, error) {
	b, err := d.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *decoder) i64(what string) (int64, error) {
	b, err := d.take(8, what)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

// bytes reads a u32 length and that many bytes, aliasing the input.
func (d *decoder) bytes(what string) ([]byte, error) {
	start := d.off
	n, err := d.u32(what + " length")
	if err != nil {
		return nil, err
	}
	if uint64(n) > uint64(len(d.buf)-d.off) {
		d.off = start
		return nil, d.fail(what + " length past the end")
	}
	return d.take(int(n), what)
}

// string reads a bytes field and copies it into a Go string, so the string
// stays valid after the input buffer is reused.
func (d *decoder) string(what string) (string, error) {
	b, err := d.bytes(what)
	return string(b), err
}

// decodeBatch decodes an encoded batch into b, reusing b.Records and meta
// (the backing store for the records' kinesis metadata) from earlier
// batches. Record data aliases buf.
func decodeBatch(buf []byte, b *Batch, meta []KinesisMetadata) ([]KinesisMetadata, error) {
	d := decoder{buf: buf}
	magic, err := d.u32("magic")
	if err != nil {
		return meta, err
	}
	if magic != batchMagic {
		d.off = 0
		return meta, d.fail(fmt.Sprintf("wrong magic 0x%08x", magic))
	}
	if b.InvocationID, err = d.string("invocation_id"); err != nil {
		return meta, err
	}
	if b.DeliveryStreamARN, err = d.string("delivery_stream_arn"); err != nil {
		return meta, err
	}
	if b.Region, err = d.string("region"); err != nil {
		return meta, err
	}
	if b.SourceStreamARN, err = d.string("source_stream_arn"); err != nil {
		return meta, err
	}
	countAt := d.off
	count, err := d.u32("record_count")
	if err != nil {
		return meta, err
	}
	if uint64(count)*minRecordSize > uint64(len(buf)-d.off) {
		d.off = countAt
		return meta, d.fail(fmt.Sprintf("record_count %d too large for the batch", count))
	}
	n := int(count)
	b.Records = slices.Grow(b.Records[:0], n)[:n]
	// With room for every record reserved up front, append never moves meta,
	// so a record can point into it at once.
	meta = slices.Grow(meta[:0], n)
	for i := range b.Records {
		r := &b.Records[i]
		*r = Record{}
		if r.ID, err = d.string("record_id"); err != nil {
			return meta, err
		}
		ts, err := d.i64("approximate_arrival_timestamp")
		if err != nil {
			return meta, err
		}
		r.ArrivalTime = time.UnixMilli(ts)
		flagsAt := d.off
		flags, err := d.u8("flags")
		if err != nil {
			return meta, err
		}
		if flags&^flagKinesis != 0 {
			d.off = flagsAt
			return meta, d.fail(fmt.Sprintf("unknown record flags 0x%02x", flags))
		}
		if flags&flagKinesis != 0 {
			var m KinesisMetadata
			if err := decodeKinesis(&d, &m); err != nil {
				return meta, err
			}
			meta = append(meta, m)
			r.Kinesis = &meta[len(meta)-1]
		}
		if r.Data, err = d.bytes("data"); err != nil {
			return meta, err
		}
	}
	if d.off != len(buf) {
		return meta, d.fail(fmt.Sprintf("%d bytes left over after the last record", len(buf)-d.off))
	}
	return meta, nil
}

func decodeKinesis(d *decoder, m *KinesisMetadata) error {
	var err error
	if m.ShardID, err = d.string("shard_id"); err != nil {
		return err
	}
	if m.PartitionKey, err = d.string("partition_key"); err != nil {
		return err
	}
	if m.SequenceNumber, err = d.string("sequence_number"); err != nil {
		return err
	}
	if m.SubsequenceNumber, err = d.i64("subsequence_number"); err != nil {
		return err
	}
	ts, err := d.i64("kinesis approximate_arrival_timestamp")
	if err != nil {
		return err
	}
	m.ArrivalTime = time.UnixMilli(ts)
	return nil
}
