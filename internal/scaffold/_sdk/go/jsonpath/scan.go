package jsonpath

import (
	"bytes"
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// ErrNeedsDecoder is returned by [ParseObject] for input its byte scanner
// leaves to encoding/json: anything that is not valid JSON, a top level
// that is not an object, strings holding escapes, control characters,
// invalid UTF-8 or U+2028/U+2029 (which encoding/json rewrites), or nesting
// deeper than [MaxScanDepth]. A caller then takes the map path
// ([DecodeObject]), which answers such input exactly as before: with the
// same result or the same error.
var ErrNeedsDecoder = errors.New("JSON needs encoding/json")

// MaxScanDepth is the deepest nesting of objects and arrays ParseObject
// scans; deeper input gets ErrNeedsDecoder.
const MaxScanDepth = 1000

// scanner validates JSON in place. For every value it finds the end and
// whether the bytes are already canonical: what EncodeObject(DecodeObject)
// would write for that value (compact, object keys strictly ascending, so
// no duplicates). A canonical value is copied as it is; any other is
// rewritten by appendCanonical.
type scanner struct {
	data []byte
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace(i int) int {
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

// value scans the value starting at i (no leading space) and returns its end
// and whether it is canonical, or ok false when the input needs the decoder.
func (s *scanner) value(i, depth int) (end int, canon, ok bool) {
	if i >= len(s.data) {
		return 0, false, false
	}
	switch c := s.data[i]; {
	case c == '{':
		return s.object(i, depth+1, nil)
	case c == '[':
		return s.array(i, depth+1)
	case c == '"':
		end, ok = s.str(i)
		return end, true, ok
	case c == '-' || ('0' <= c && c <= '9'):
		end, ok = s.number(i)
		return end, true, ok
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	}
	return 0, false, false
}

func (s *scanner) literal(i int, lit string) (int, bool, bool) {
	if len(s.data)-i < len(lit) || string(s.data[i:i+len(lit)]) != lit {
		return 0, false, false
	}
	return i + len(lit), true, true
}

// str scans a string at i (the opening quote) that encoding/json would
// write back byte for byte: printable, no escapes, valid UTF-8 and neither
// U+2028 nor U+2029.
//
// Byte loops and branches are slow in a Go wasm guest (each branch is a
// jump through the function's dispatch table), so the closing quote is
// found with bytes.IndexByte (assembly on every port, wasm included) and
// the string checked eight bytes at a time; only strings holding non-ASCII
// bytes are walked byte by byte.
func (s *scanner) str(i int) (int, bool) {
	rest := s.data[i+1:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return 0, false
	}
	end := i + 1 + q + 1
	body := rest[:q]
	for len(body) >= 8 {
		x := binary.LittleEndian.Uint64(body)
		if x&hi != 0 || hasZero(x^(lo*'\\')) || hasLess(x, 0x20) {
			return end, checkBody(body)
		}
		body = body[8:]
	}
	if len(body) == 0 {
		return end, true
	}
	if len(rest) >= 8 {
		// The last bytes, read as the eight that end at the closing quote:
		// the quote and the bytes before the tail are known to pass.
		x := binary.LittleEndian.Uint64(rest[q-min(q, 7) : q-min(q, 7)+8])
		if x&hi == 0 && !hasZero(x^(lo*'\\')) && !hasLess(x, 0x20) {
			return end, true
		}
	}
	return end, checkBody(body)
}

// checkBody reports whether the string body b (no quote in it) is one
// encoding/json writes back unchanged.
func checkBody(b []byte) bool {
	for j := 0; j < len(b); {
		c := b[j]
		switch {
		case c == '\\' || c < 0x20:
			return false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
				return false
			}
			j += size
		}
	}
	return true
}

// Masks for testing eight bytes at once: lo has 0x01 in every byte, hi 0x80.
const (
	lo uint64 = 0x0101010101010101
	hi uint64 = 0x8080808080808080
)

// hasZero reports whether a byte of x is zero.
func hasZero(x uint64) bool { return (x-lo)&^x&hi != 0 }

// hasLess reports whether a byte of x is below n (n <= 128, and no byte of
// x has its high bit set).
func hasLess(x uint64, n uint64) bool { return (x-lo*n)&^x&hi != 0 }

// number scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number(i int) (int, bool) {
	d := s.data
	digits := func(j int) int {
		for j < len(d) && '0' <= d[j] && d[j] <= '9' {
			j++
		}
		return j
	}
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(d) && d[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func (s *scanner) array(i, depth int) (end int, canon, ok bool) {
	if depth > MaxScanDepth {
		return 0, false, false
	}
	canon = true
	j := i + 1
	if k := s.skipSpace(j); k < len(s.data) && s.data[k] == ']' {
		return k + 1, k == j, true
	}
	for {
		k := s.skipSpace(j)
		canon = canon && k == j
		e, c, ok := s.value(k, depth)
		if !ok {
			return 0, false, false
		}
		canon = canon && c
		j = s.skipSpace(e)
		canon = canon && j == e
		if j >= len(s.data) {
			return 0, false, false
		}
		switch s.data[j] {
		case ',':
			j++
		case ']':
			return j + 1, canon, true
		default:
			return 0, false, false
		}
	}
}

// object scans an object at i (the opening brace). When members is not nil
// it receives every member in input order.
func (s *scanner) object(i, depth int, members *[]member) (end int, canon, ok bool) {
	if depth > MaxScanDepth {
		return 0, false, false
	}
	canon = true
	j := i + 1
	if k := s.skipSpace(j); k < len(s.data) && s.data[k] == '}' {
		return k + 1, k == j, true
	}
	var prevKey []byte
	for {
		k := s.skipSpace(j)
		canon = canon && k == j
		if k >= len(s.data) || s.data[k] != '"' {
			return 0, false, false
		}
		ke, ok := s.str(k)
		if !ok {
			return 0, false, false
		}
		key := s.data[k+1 : ke-1]
		canon = canon && (prevKey == nil || string(prevKey) < string(key))
		prevKey = key
		j = s.skipSpace(ke)
		canon = canon && j == ke
		if j >= len(s.data) || s.data[j] != ':' {
			return 0, false, false
		}
		k = s.skipSpace(j + 1)
		canon = canon && k == j+1
		e, c, ok := s.value(k, depth)
		if !ok {
			return 0, false, false
		}
		canon = canon && c
		if members != nil {
			*members = append(*members, member{key: key, val: Value{raw: s.data[k:e], canon: c}})
		}
		j = s.skipSpace(e)
		canon = canon && j == e
		if j >= len(s.data) {
			return 0, false, false
		}
		switch s.data[j] {
		case ',':
			j++
		case '}':
			return j + 1, canon, true
		default:
			return 0, false, false
		}
	}
}

// appendCanonical appends the canonical form of the valid value raw: what
// encoding/json writes for it after decoding it into any with UseNumber
// and SetEscapeHTML(false).
func appendCanonical(dst, raw []byte) []byte {
	switch raw[0] {
	case '{':
		var o Object
		return o.membersOf(raw).appendJSON(dst)
	case '[':
		s := scanner{data: raw}
		dst = append(dst, '[')
		j := s.skipSpace(1)
		if raw[j] == ']' {
			return append(dst, ']')
		}
		for {
			e, c, _ := s.value(j, 0)
			if c {
				dst = append(dst, raw[j:e]...)
			} else {
				dst = appendCanonical(dst, raw[j:e])
			}
			j = s.skipSpace(e)
			if raw[j] == ']' {
				return append(dst, ']')
			}
			dst = append(dst, ',')
			j = s.skipSpace(j + 1)
		}
	}
	return append(dst, raw...)
}
