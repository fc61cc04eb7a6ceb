package awsjson

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// FastDecoder is an operation's input that decodes the usual shape of its
// JSON request itself, without reflection (PutRecords is most of a
// server's work, and encoding/json a third of it). Func tries it before
// Decode.
//
// DecodeFastJSON returns true only when it decoded body into exactly the
// value encoding/json would have made of it (nil and empty distinguished)
// and encoding/json would have decoded it without error. For anything
// else (escapes, nulls, unknown or repeated members, bad base64, any
// syntax error) it returns false, leaving the input in any state; Func
// then resets the input and decodes body with Decode, so every answer and
// error stays exactly what it was. A differential fuzz test holds each
// implementation to that.
type FastDecoder interface {
	DecodeFastJSON(body []byte) bool
}

// Lexer reads the plain JSON a FastDecoder takes: objects, arrays and
// strings without escapes. Every method returns false for anything else,
// which the decoder then hands to encoding/json.
type Lexer struct {
	b []byte
	i int
}

// NewLexer reads b.
func NewLexer(b []byte) *Lexer { return &Lexer{b: b} }

// Len is the length of the input.
func (l *Lexer) Len() int { return len(l.b) }

func (l *Lexer) space() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// Next skips white space and returns the next byte (0 at the end)
// without consuming it.
func (l *Lexer) Next() byte {
	l.space()
	if l.i == len(l.b) {
		return 0
	}
	return l.b[l.i]
}

// Take skips white space and consumes c, reporting whether it was next.
func (l *Lexer) Take(c byte) bool {
	if l.Next() != c {
		return false
	}
	l.i++
	return true
}

// End reports whether only white space is left.
func (l *Lexer) End() bool { return l.Next() == 0 && l.i == len(l.b) }

// raw consumes a string and returns the bytes between its quotes: it
// fails on escapes, control characters and invalid UTF-8 (which
// encoding/json would alter). For a blob (base64) it checks only what
// base64 decoding would not refuse itself, in a few vectorised scans:
// escapes, and the CR and LF that base64 skips but JSON forbids raw
// (any other control character or non-ASCII byte is no base64).
func (l *Lexer) raw(blob bool) ([]byte, bool) {
	if !l.Take('"') {
		return nil, false
	}
	if blob {
		end := bytes.IndexByte(l.b[l.i:], '"')
		if end < 0 {
			return nil, false
		}
		s := l.b[l.i : l.i+end]
		if bytes.IndexByte(s, '\\') >= 0 || bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
			return nil, false
		}
		l.i += end + 1
		return s, true
	}
	start, high := l.i, false
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			s := l.b[start:l.i]
			l.i++
			if high && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			high = true
		}
		l.i++
	}
	return nil, false
}

// Key consumes an object member's name and its colon, returning the name
// (not copied: it is only to be compared).
func (l *Lexer) Key() ([]byte, bool) {
	k, ok := l.raw(false)
	if !ok || !l.Take(':') {
		return nil, false
	}
	return k, true
}

// String consumes a string value.
func (l *Lexer) String() (string, bool) {
	s, ok := l.raw(false)
	if !ok {
		return "", false
	}
	return string(s), true
}

// Blob consumes a base64 string value and decodes it, as encoding/json
// decodes a []byte member, into the front of *buf, which is advanced
// past it: the blobs of one request share one allocation. The result is
// never nil ("" is an empty blob), and has no spare capacity.
func (l *Lexer) Blob(buf *[]byte) ([]byte, bool) {
	s, ok := l.raw(true)
	if !ok {
		return nil, false
	}
	need := base64.StdEncoding.DecodedLen(len(s))
	if *buf == nil || len(*buf) < need {
		*buf = make([]byte, max(need, len(l.b)*3/4-l.i))
	}
	n, err := base64.StdEncoding.Decode(*buf, s)
	if err != nil {
		return nil, false
	}
	out := (*buf)[:n:n]
	*buf = (*buf)[n:]
	return out, true
}

// Member advances over an object's members: it consumes the comma before
// every member but the first (first says which) or the closing brace,
// and reports whether a member follows. ok is false on a syntax error.
func (l *Lexer) Member(first bool) (more, ok bool) {
	if l.Take('}') {
		return false, true
	}
	if !first && !l.Take(',') {
		return false, false
	}
	return true, true
}

// Element is Member for an array's elements (and its closing bracket).
func (l *Lexer) Element(first bool) (more, ok bool) {
	if l.Take(']') {
		return false, true
	}
	if !first && !l.Take(',') {
		return false, false
	}
	return true, true
}

// Object reads an object, calling member with each key once the lexer
// stands at its value, which member must consume; it reports false on a
// syntax error or when member does (a member the caller declines).
func (l *Lexer) Object(member func(key []byte) bool) bool {
	if !l.Take('{') {
		return false
	}
	for first := true; ; first = false {
		more, ok := l.Member(first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		key, ok := l.Key()
		if !ok || !member(key) {
			return false
		}
	}
}

// Array reads an array, calling elem for each element, which it must
// consume; it reports false on a syntax error or when elem does.
func (l *Lexer) Array(elem func() bool) bool {
	if !l.Take('[') {
		return false
	}
	for first := true; ; first = false {
		more, ok := l.Element(first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		if !elem() {
			return false
		}
	}
}
