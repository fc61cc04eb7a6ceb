package awscbor

import (
	"encoding/binary"
	"errors"
	"math"
)

// CBOR major types (RFC 8949 section 3.1).
const (
	majorUint   byte = 0
	majorNegInt byte = 1
	majorBytes  byte = 2
	majorText   byte = 3
	majorArray  byte = 4
	majorMap    byte = 5
	majorTag    byte = 6
	majorSimple byte = 7
)

// Initial bytes of simple values and floats.
const (
	simpleNull      = 0xf6
	simpleUndefined = 0xf7
	floatHalf       = 0xf9
	floatSingle     = 0xfa
	floatDouble     = 0xfb
)

// majorNames are the cbor library's names of the major types (see found).
var majorNames = [8]string{"positive integer", "negative integer", "byte string", "UTF-8 text string", "array", "map", "tag", "primitives"}

// appendHead appends the shortest head of a data item of the major type
// with argument n (a length, a value or a tag number).
func appendHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= math.MaxUint8:
		return append(dst, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, m|26), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, m|27), n)
	}
}

var errHead = errors.New("malformed CBOR head")

// readArg reads the head at b[0] and returns its argument and what
// follows; indefinite lengths and reserved values are errors.
func readArg(b []byte) (uint64, []byte, error) {
	if len(b) == 0 {
		return 0, nil, errHead
	}
	info := b[0] & 0x1f
	b = b[1:]
	var n int
	switch {
	case info < 24:
		return uint64(info), b, nil
	case info == 24:
		n = 1
	case info == 25:
		n = 2
	case info == 26:
		n = 4
	case info == 27:
		n = 8
	default:
		return 0, nil, errHead
	}
	if len(b) < n {
		return 0, nil, errHead
	}
	var v uint64
	for _, c := range b[:n] {
		v = v<<8 | uint64(c)
	}
	return v, b[n:], nil
}

// AppendInt appends n as a CBOR integer, in its shortest form.
func AppendInt(dst []byte, n int64) []byte {
	if n < 0 {
		return appendHead(dst, majorNegInt, uint64(-1-n))
	}
	return appendHead(dst, majorUint, uint64(n))
}

// AppendMapHead appends the head of a map of n pairs.
func AppendMapHead(dst []byte, n int) []byte { return appendHead(dst, majorMap, uint64(n)) }

// AppendArrayHead appends the head of an array of n items.
func AppendArrayHead(dst []byte, n int) []byte { return appendHead(dst, majorArray, uint64(n)) }

// AppendBytesHead appends the head of a byte string of n bytes; the bytes
// follow.
func AppendBytesHead(dst []byte, n int) []byte { return appendHead(dst, majorBytes, uint64(n)) }

// AppendText appends s as a text string (s must be valid UTF-8, as every
// string Sluice answers is).
func AppendText(dst []byte, s string) []byte {
	return append(appendHead(dst, majorText, uint64(len(s))), s...)
}
