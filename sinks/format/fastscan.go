package format

import (
	"encoding/json"
)

// The fast path's scanner: JSON as RFC 8259 and encoding/json read it.
// Each method reports false for anything it does not accept, and the
// record then goes to the map path.

func (p *fastParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *fastParser) eat(ch byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == ch {
		p.pos++
		return true
	}
	return false
}

func (p *fastParser) literal(word string) bool {
	if len(p.data)-p.pos >= len(word) && string(p.data[p.pos:p.pos+len(word)]) == word {
		p.pos += len(word)
		return true
	}
	return false
}

// key reads an object key with no escapes and only ASCII bytes (so its
// bytes are the map path's key); anything else is left to the map path.
func (p *fastParser) key() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.pos
	for p.pos < len(p.data) {
		ch := p.data[p.pos]
		switch {
		case ch == '"':
			p.pos++
			return p.data[start : p.pos-1], true
		case ch < 0x20 || ch == '\\' || ch >= 0x80:
			return nil, false
		}
		p.pos++
	}
	return nil, false
}

// scanString moves past a string at the current position, checking its
// escapes, and reports whether it has escapes or non-ASCII bytes.
func (p *fastParser) scanString() (complex, ok bool) {
	if !p.eat('"') {
		return false, false
	}
	for p.pos < len(p.data) {
		ch := p.data[p.pos]
		switch {
		case ch == '"':
			p.pos++
			return complex, true
		case ch < 0x20:
			return false, false
		case ch == '\\':
			complex = true
			p.pos++
			if p.pos >= len(p.data) {
				return false, false
			}
			switch p.data[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				if len(p.data)-p.pos < 5 {
					return false, false
				}
				for _, h := range p.data[p.pos+1 : p.pos+5] {
					if !isHex(h) {
						return false, false
					}
				}
				p.pos += 5
			default:
				return false, false
			}
			continue
		case ch >= 0x80:
			complex = true
		}
		p.pos++
	}
	return false, false
}

func isHex(h byte) bool {
	return '0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F'
}

// str reads a string and returns its decoded bytes: the record's own bytes
// when it has no escapes and only ASCII, or else encoding/json's decoding
// (invalid UTF-8 and lone surrogates become U+FFFD), kept in the arena.
func (p *fastParser) str() ([]byte, bool) {
	start := p.pos
	complex, ok := p.scanString()
	if !ok {
		return nil, false
	}
	if !complex {
		return p.data[start+1 : p.pos-1], true
	}
	var s string
	if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
		return nil, false
	}
	from := len(p.arena)
	p.arena = append(p.arena, s...)
	return p.arena[from:len(p.arena):len(p.arena)], true
}

// number reads a number's text: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *fastParser) number() ([]byte, bool) {
	start := p.pos
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.pos < len(p.data) && '1' <= p.data[p.pos] && p.data[p.pos] <= '9':
		p.digits()
	default:
		return nil, false
	}
	if p.eat('.') {
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.eat('e') || p.eat('E') {
		if !p.eat('+') {
			p.eat('-')
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return p.data[start:p.pos], true
}

func (p *fastParser) digits() int {
	n := 0
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

// skip moves past any value, checking it is valid JSON.
func (p *fastParser) skip() bool {
	if p.pos >= len(p.data) {
		return false
	}
	switch p.data[p.pos] {
	case '"':
		_, ok := p.scanString()
		return ok
	case 't':
		return p.literal("true")
	case 'f':
		return p.literal("false")
	case 'n':
		return p.literal("null")
	case '{', '[':
		return p.skipContainer()
	}
	_, ok := p.number()
	return ok
}

func (p *fastParser) skipContainer() bool {
	open := p.data[p.pos]
	closing := byte('}')
	if open == '[' {
		closing = ']'
	}
	p.pos++
	if p.depth++; p.depth > maxFastDepth {
		return false
	}
	p.ws()
	if p.eat(closing) {
		p.depth--
		return true
	}
	for {
		p.ws()
		if open == '{' {
			if _, ok := p.scanString(); !ok {
				return false
			}
			p.ws()
			if !p.eat(':') {
				return false
			}
			p.ws()
		}
		if !p.skip() {
			return false
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat(closing) {
			p.depth--
			return true
		}
		return false
	}
}
