package streams

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"time"
)

// iteratorVersion is the first byte of every encoded iterator.
const iteratorVersion = 1

// Iterator position kinds.
const (
	// posSeq: the next record is the first in the shard at or after Seq.
	posSeq byte = 1
	// posTime: the next record is the first in the shard that arrived at
	// or after At (AT_TIMESTAMP, resolved at read time so a timestamp in
	// the future works as Kinesis does).
	posTime byte = 2
)

// iterator is the decoded content of a shard iterator token.
type iterator struct {
	Stream   string
	StreamID uint64
	Shard    string
	Kind     byte
	Seq      uint64
	At       time.Time
	Issued   time.Time
}

var errBadIterator = errors.New("bad iterator")

// encode renders the iterator as an opaque base64 token: version, stream
// id, issue time (ms), position kind and value, stream and shard names,
// then a CRC-32 of all that so a garbled token is detected.
func (it iterator) encode() string {
	b := make([]byte, 0, 64+len(it.Stream)+len(it.Shard))
	b = append(b, iteratorVersion)
	b = binary.BigEndian.AppendUint64(b, it.StreamID)
	b = binary.AppendVarint(b, it.Issued.UnixMilli())
	b = append(b, it.Kind)
	if it.Kind == posTime {
		b = binary.AppendVarint(b, it.At.UnixNano())
	} else {
		b = binary.AppendUvarint(b, it.Seq)
	}
	b = append(b, byte(len(it.Stream)))
	b = append(b, it.Stream...)
	b = append(b, byte(len(it.Shard)))
	b = append(b, it.Shard...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(b)
}

// decodeIterator parses a token made by encode.
func decodeIterator(tok string) (iterator, error) {
	var it iterator
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || len(b) < 1+8+1+1+1+1+1+4 {
		return it, errBadIterator
	}
	body, sum := b[:len(b)-4], b[len(b)-4:]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(sum) || body[0] != iteratorVersion {
		return it, errBadIterator
	}
	p := body[1:]
	it.StreamID = binary.BigEndian.Uint64(p)
	p = p[8:]
	ms, n := binary.Varint(p)
	if n <= 0 {
		return it, errBadIterator
	}
	it.Issued = time.UnixMilli(ms)
	p = p[n:]
	if len(p) < 1 {
		return it, errBadIterator
	}
	it.Kind, p = p[0], p[1:]
	switch it.Kind {
	case posTime:
		ns, n := binary.Varint(p)
		if n <= 0 {
			return it, errBadIterator
		}
		it.At, p = time.Unix(0, ns), p[n:]
	case posSeq:
		seq, n := binary.Uvarint(p)
		if n <= 0 {
			return it, errBadIterator
		}
		it.Seq, p = seq, p[n:]
	default:
		return it, errBadIterator
	}
	str, p, ok := readShort(p)
	if !ok {
		return it, errBadIterator
	}
	shard, p, ok := readShort(p)
	if !ok || len(p) != 0 {
		return it, errBadIterator
	}
	it.Stream, it.Shard = str, shard
	return it, nil
}

func readShort(p []byte) (string, []byte, bool) {
	if len(p) < 1 || len(p) < 1+int(p[0]) {
		return "", nil, false
	}
	n := int(p[0])
	return string(p[1 : 1+n]), p[1+n:], true
}

// IteratorStream is the name of the stream a shard iterator token reads,
// as GetRecords decodes it; host/auth checks a reader's permissions on
// that stream, not on one the request names.
func IteratorStream(tok string) (string, error) {
	it, err := decodeIterator(tok)
	if err != nil {
		return "", err
	}
	return it.Stream, nil
}
