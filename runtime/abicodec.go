package runtime

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Magic numbers of the SDK ABI v1 encodings ("SLB1" and "SLR1", little-endian).
const (
	batchMagic    uint32 = 0x31424C53
	responseMagic uint32 = 0x31524C53
)

// appendBatch appends the SDK ABI v1 encoding of b to buf.
func appendBatch(buf []byte, b *Batch) []byte {
	le := binary.LittleEndian
	buf = le.AppendUint32(buf, batchMagic)
	buf = appendString(buf, b.InvocationID)
	buf = appendString(buf, b.DeliveryStreamARN)
	buf = appendString(buf, b.Region)
	buf = appendString(buf, b.SourceStreamARN)
	buf = le.AppendUint32(buf, uint32(len(b.Records)))
	for i := range b.Records {
		r := &b.Records[i]
		buf = appendString(buf, r.RecordID)
		buf = le.AppendUint64(buf, uint64(millis(r.ArrivalTime)))
		if k := r.Kinesis; k != nil {
			buf = append(buf, 1)
			buf = appendString(buf, k.ShardID)
			buf = appendString(buf, k.PartitionKey)
			buf = appendString(buf, k.SequenceNumber)
			buf = le.AppendUint64(buf, uint64(k.SubsequenceNumber))
			buf = le.AppendUint64(buf, uint64(millis(k.ArrivalTime)))
		} else {
			buf = append(buf, 0)
		}
		buf = le.AppendUint32(buf, uint32(len(r.Data)))
		buf = append(buf, r.Data...)
	}
	return buf
}

// encodeBatch writes the SDK ABI v1 encoding of b into dst, which must be
// exactly encodedBatchSize(b) bytes (the buffer the guest allocated, so
// the batch is copied once, straight into guest memory). It reports false,
// having written at most len(dst) bytes into dst, when the encoding is not
// exactly that long.
func encodeBatch(dst []byte, b *Batch) bool {
	// With the capacity cut to len(dst), append writes in place until the
	// encoding would outgrow dst, then moves to a new array: a result of
	// exactly len(dst) bytes therefore lies in dst.
	out := appendBatch(dst[:0:len(dst)], b)
	return len(out) == len(dst)
}

func appendString(buf []byte, s string) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

// encodedBatchSize is the exact length of appendBatch's output.
func encodedBatchSize(b *Batch) int {
	n := 4 + 4*4 + len(b.InvocationID) + len(b.DeliveryStreamARN) + len(b.Region) + len(b.SourceStreamARN) + 4
	for i := range b.Records {
		r := &b.Records[i]
		n += 4 + len(r.RecordID) + 8 + 1 + 4 + len(r.Data)
		if k := r.Kinesis; k != nil {
			n += 3*4 + len(k.ShardID) + len(k.PartitionKey) + len(k.SequenceNumber) + 16
		}
	}
	return n
}

// malformedError says where a response stopped decoding.
type malformedError struct {
	what   string
	offset int
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("malformed response: %s at byte %d", e.what, e.offset)
}

// responseDecoder reads an SDK ABI v1 response. Data slices point into buf,
// which the caller must own.
type responseDecoder struct {
	buf []byte
	off int
	err *malformedError
}

func (d *responseDecoder) fail(what string) {
	if d.err == nil {
		d.err = &malformedError{what: what, offset: d.off}
	}
}

func (d *responseDecoder) u32(what string) uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.buf)-d.off < 4 {
		d.fail(what + " past the end")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v
}

func (d *responseDecoder) bytes(what string) []byte {
	if d.err != nil {
		return nil
	}
	rest := len(d.buf) - d.off
	if rest < 4 {
		d.fail(what + " length past the end")
		return nil
	}
	n := binary.LittleEndian.Uint32(d.buf[d.off:])
	if uint64(rest-4) < uint64(n) {
		d.fail(what + " length past the end")
		return nil
	}
	start := d.off + 4
	end := start + int(n)
	d.off = end
	return d.buf[start:end:end]
}

// str reads a string and checks it is UTF-8; it returns the raw bytes so
// the caller decides whether to allocate a Go string.
func (d *responseDecoder) str(what string) []byte {
	start := d.off
	b := d.bytes(what)
	if d.err == nil && !utf8.Valid(b) {
		d.off = start
		d.fail(what + " is not UTF-8")
	}
	return b
}

// decodeResponse decodes an SDK ABI v1 response, checking its form (magic,
// lengths, result codes, UTF-8, trailing bytes) but not its ids; validate
// does that. With s (the scratch of batch b) it also matches each answer
// to its input record in s.answers and reuses the batch's id strings
// instead of allocating new ones; with s nil it allocates them.
func decodeResponse(buf []byte, s *indexScratch) (*Response, error) {
	d := &responseDecoder{buf: buf}
	if m := d.u32("magic"); d.err == nil && m != responseMagic {
		d.off = 0
		d.fail("bad magic")
	}
	count := d.u32("record count")
	if d.err != nil {
		return nil, d.err
	}
	// Each answer takes at least 17 bytes: do not trust count for the allocation.
	if uint64(count)*17 > uint64(len(buf)-d.off) {
		d.fail(fmt.Sprintf("record count %d past the end", count))
		return nil, d.err
	}
	resp := &Response{Records: make([]Result, count)}
	if s != nil {
		s.sizeAnswers(int(count))
	}
	for i := range resp.Records {
		res := &resp.Records[i]
		id := d.str("record id")
		if d.err != nil {
			return nil, d.err
		}
		if s == nil {
			res.RecordID = string(id)
		} else if idx := s.find(i, id); idx >= 0 {
			s.answers[i] = idx
			res.RecordID = s.b.Records[idx].RecordID
		} else {
			s.answers[i] = -1
			res.RecordID = string(id)
		}
		if d.off >= len(buf) {
			d.fail("result past the end")
			return nil, d.err
		}
		code := buf[d.off]
		if code > 2 {
			d.fail(fmt.Sprintf("result code %d", code))
			return nil, d.err
		}
		res.Status = Status(code)
		d.off++
		data := d.bytes("data")
		if res.Status == StatusOk {
			res.Data = data
		}
		nkeys := d.u32("partition key count")
		if d.err == nil && uint64(nkeys)*8 > uint64(len(buf)-d.off) {
			d.fail(fmt.Sprintf("partition key count %d past the end", nkeys))
		}
		if d.err == nil && nkeys > 0 {
			res.PartitionKeys = make(map[string]string, nkeys)
			for range nkeys {
				k := d.str("partition key")
				v := d.str("partition key value")
				if d.err != nil {
					break
				}
				res.PartitionKeys[string(k)] = string(v)
			}
		}
		if msg := d.str("error message"); len(msg) > 0 {
			res.ErrorMessage = string(msg)
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	if d.off != len(buf) {
		d.fail(fmt.Sprintf("%d bytes left over", len(buf)-d.off))
		return nil, d.err
	}
	return resp, nil
}
