package transform

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"
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
// so an error can say where the input went wrong. Error texts are built only
// on the failure path: decoding a valid batch allocates nothing per field.
type decoder struct {
	buf []byte
	off int
	// arena holds the bytes of the strings decoded so far (see string).
	arena []byte
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
	if d.off >= len(d.buf) {
		return 0, d.fail(what + " past the end")
	}
	v := d.buf[d.off]
	d.off++
	return v, nil
}

func (d *decoder) u32(what string) (uint32, error) {
	if len(d.buf)-d.off < 4 {
		return 0, d.fail(what + " past the end")
	}
	v := binary.LittleEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v, nil
}

func (d *decoder) i64(what string) (int64, error) {
	if len(d.buf)-d.off < 8 {
		return 0, d.fail(what + " past the end")
	}
	v := int64(binary.LittleEndian.Uint64(d.buf[d.off:]))
	d.off += 8
	return v, nil
}

// bytes reads a u32 length and that many bytes, aliasing the input.
func (d *decoder) bytes(what string) ([]byte, error) {
	rest := d.buf[d.off:]
	if len(rest) < 4 {
		return nil, d.fail(what + " length past the end")
	}
	n := binary.LittleEndian.Uint32(rest)
	if uint64(n) > uint64(len(rest)-4) {
		return nil, d.fail(what + " length past the end")
	}
	d.off += 4 + int(n)
	return rest[4 : 4+n : 4+n], nil
}

// minArenaChunk is the smallest block of string storage the decoder
// allocates; later blocks double, bounded by the bytes left in the batch.
const minArenaChunk = 512

// string reads a bytes field as a Go string. The bytes are copied (the
// input buffer is reused for the next batch) into an arena the decoder
// allocates afresh for every batch and never writes over: a string stays
// valid, and unchanged, for as long as the function that received it keeps
// it. One arena block serves many strings, so a batch of 500 record ids
// costs a few allocations rather than 500.
func (d *decoder) string(what string) (string, error) {
	b, err := d.bytes(what)
	if err != nil || len(b) == 0 {
		return "", err
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		// The strings still to come fit in what is left of the batch, so a
		// block never needs to be larger than that.
		size := min(max(2*cap(d.arena), minArenaChunk), len(b)+len(d.buf)-d.off)
		d.arena = make([]byte, 0, size)
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b)), nil
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
		if d.directRecord(r) {
			continue
		}
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

// directRecord decodes the record at d.off in one go when it is a
// well-formed direct-put record (flags 0, every length in range) and
// reports whether it did; otherwise it changes nothing, and the caller
// decodes the record field by field, which finds the error or the
// metadata. One straight run of loads and checks matters in a Go wasm
// guest, where every call and branch is costly.
func (d *decoder) directRecord(r *Record) bool {
	const fixed = 4 + 8 + 1 + 4 // id length, timestamp, flags, data length
	rest := d.buf[d.off:]
	if len(rest) < fixed {
		return false
	}
	n := uint64(binary.LittleEndian.Uint32(rest))
	if n > uint64(len(rest)-fixed) {
		return false
	}
	at := rest[n+4:]
	if at[8] != 0 {
		return false
	}
	dn := uint64(binary.LittleEndian.Uint32(at[9:]))
	if dn > uint64(len(at)-13) {
		return false
	}
	id := rest[4 : 4+n]
	var idStr string
	if n > 0 {
		if uint64(cap(d.arena)-len(d.arena)) < n {
			size := min(max(2*cap(d.arena), minArenaChunk), int(n)+len(d.buf)-d.off)
			d.arena = make([]byte, 0, size)
		}
		start := len(d.arena)
		d.arena = append(d.arena, id...)
		idStr = unsafe.String(&d.arena[start], int(n))
	}
	*r = Record{
		ID:          idStr,
		ArrivalTime: time.UnixMilli(int64(binary.LittleEndian.Uint64(at))),
		Data:        at[13 : 13+dn : 13+dn],
	}
	d.off += fixed + int(n) + int(dn)
	return true
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
