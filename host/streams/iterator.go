package streams

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// iteratorVersion is the first byte of every encoded iterator. Version 1
// (a CRC-32 instead of a MAC) is refused: its issue time could be forged.
const iteratorVersion = 2

// Iterator token sizes.
const (
	// iteratorMACLen is the length of the truncated HMAC-SHA256 that ends
	// every token (128 bits).
	iteratorMACLen = 16
	// MaxIteratorLen is the longest ShardIterator Kinesis accepts, in
	// characters; a stream name of 128 characters gives a token of about
	// 260.
	MaxIteratorLen = 512
)

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

// encodeIterator renders it as an opaque base64 token: version, stream
// id, issue time (ms), position kind and value, stream and shard names,
// then an HMAC-SHA256 of all that under the engine's iterator key,
// truncated to 16 bytes, so that no field (the issue time above all) can
// be changed without the key.
func (e *Engine) encodeIterator(it iterator) string {
	b := make([]byte, 0, 64+len(it.Stream)+len(it.Shard)+iteratorMACLen)
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
	b = append(b, iteratorMAC(e.iterKey, b)...)
	return base64.StdEncoding.EncodeToString(b)
}

func iteratorMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)[:iteratorMACLen]
}

// decodeIterator parses a token made by encodeIterator with the engine's
// key: its MAC must match (compared in constant time) and its names must
// be a valid stream name and shard id.
func (e *Engine) decodeIterator(tok string) (iterator, error) {
	body, sum, err := splitIterator(tok)
	if err != nil || !hmac.Equal(sum, iteratorMAC(e.iterKey, body)) {
		return iterator{}, errBadIterator
	}
	return parseIterator(body)
}

// splitIterator unwraps a token into its body and MAC, checking only
// their shape and the version.
func splitIterator(tok string) (body, sum []byte, err error) {
	if len(tok) > MaxIteratorLen {
		return nil, nil, errBadIterator
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil || len(b) < 1+8+1+1+1+1+1+iteratorMACLen {
		return nil, nil, errBadIterator
	}
	body, sum = b[:len(b)-iteratorMACLen], b[len(b)-iteratorMACLen:]
	if body[0] != iteratorVersion {
		return nil, nil, errBadIterator
	}
	return body, sum, nil
}

// parseIterator reads a token's body (its MAC already checked, or not
// needed).
func parseIterator(body []byte) (iterator, error) {
	var it iterator
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
	if ValidateName(str) != nil || ValidateShardID(shard) != nil {
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
// that stream, not on one the request names. It does not check the
// token's MAC (it has no key): GetRecords does, so a token whose name was
// changed is refused there whatever the permissions said.
func IteratorStream(tok string) (string, error) {
	body, _, err := splitIterator(tok)
	if err != nil {
		return "", err
	}
	it, err := parseIterator(body)
	if err != nil {
		return "", err
	}
	return it.Stream, nil
}
