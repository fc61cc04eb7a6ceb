package jsonpath

import (
	"fmt"
	"slices"
	"unsafe"
)

// Object is a JSON object read by scanning bytes: no maps, no decoded
// strings, no boxed values. Its members are kept sorted by key with
// duplicates resolved as encoding/json resolves them (the last one wins),
// and each value stays the bytes it was written as until a path reaches
// into it. [Object.AppendJSON] writes exactly what [EncodeObject] writes for
// the same content, so code can switch between the two.
//
// An Object aliases the bytes it was parsed from: they must not change
// while it is in use.
type Object struct {
	members []member // sorted by key, keys unique
	parser  *Parser  // where child objects come from; nil: allocate them
}

// A Parser reads JSON objects and reuses its memory from one call to the
// next: a warm Parser allocates nothing. Everything it returned before a
// call of Reset is invalid after it. The zero Parser is ready to use; it
// is not safe for concurrent use.
//
// In a Go wasm guest an allocation costs about a microsecond, so a
// transform that keeps one Parser and calls Reset once per batch (or per
// record, when nothing outlives the record) is much faster than one that
// calls ParseObject.
type Parser struct {
	pool []*Object
	used int
}

// Reset makes the memory of every Object the parser returned reusable.
func (p *Parser) Reset() {
	for _, o := range p.pool[:p.used] {
		clear(o.members)
		o.members = o.members[:0]
	}
	p.used = 0
}

// NewObject returns an empty object that lives until the next Reset.
func (p *Parser) NewObject() *Object {
	if p.used == len(p.pool) {
		p.pool = append(p.pool, &Object{parser: p})
	}
	o := p.pool[p.used]
	p.used++
	return o
}

// ParseObject is [ParseObject] with the parser's memory; the object lives
// until the next Reset.
func (p *Parser) ParseObject(data []byte) (*Object, error) {
	o := p.NewObject()
	if err := o.parse(data); err != nil {
		return nil, err
	}
	return o, nil
}

func (p *Parser) newObject() *Object {
	if p == nil {
		return &Object{}
	}
	return p.NewObject()
}

// Value is one JSON value held by an Object: either bytes as written (any
// kind of value) or an Object that a path reached into.
type Value struct {
	raw   []byte
	canon bool // raw is already what AppendJSON would write
	obj   *Object
}

// Raw returns the value's JSON text as written in the input, or nil for an
// object that was built or changed through paths.
func (v Value) Raw() []byte {
	if v.obj != nil {
		return nil
	}
	return v.raw
}

// IsObject reports whether the value is a JSON object.
func (v Value) IsObject() bool {
	return v.obj != nil || (len(v.raw) > 0 && v.raw[0] == '{')
}

type member struct {
	key []byte
	val Value
}

// ParseObject scans data as exactly one JSON object (whitespace around it
// allowed). It returns ErrNeedsDecoder, and nothing else, for any input
// outside what the scanner handles; see ErrNeedsDecoder.
func ParseObject(data []byte) (*Object, error) {
	o := &Object{}
	if err := o.parse(data); err != nil {
		return nil, err
	}
	return o, nil
}

// parse fills the empty o from data.
func (o *Object) parse(data []byte) error {
	s := scanner{data: data}
	i := s.skipSpace(0)
	if i >= len(data) || data[i] != '{' {
		return ErrNeedsDecoder
	}
	end, _, ok := s.object(i, 1, &o.members)
	if !ok || s.skipSpace(end) != len(data) {
		return ErrNeedsDecoder
	}
	o.normalize()
	return nil
}

// membersOf fills the empty o from the valid JSON object raw.
func (o *Object) membersOf(raw []byte) *Object {
	s := scanner{data: raw}
	s.object(0, 0, &o.members)
	o.normalize()
	return o
}

// normalize sorts the members by key (stably: they are usually sorted
// already, and few) and keeps the last of duplicates.
func (o *Object) normalize() {
	m := o.members
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && string(m[j].key) < string(m[j-1].key); j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
	out := m[:0]
	for i := range m {
		if i+1 < len(m) && string(m[i+1].key) == string(m[i].key) {
			continue // a later duplicate wins
		}
		out = append(out, m[i])
	}
	clear(m[len(out):])
	o.members = out
}

// find returns the index of key, or where it would go and false.
func (o *Object) find(key string) (int, bool) {
	lo, hi := 0, len(o.members)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if string(o.members[mid].key) < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(o.members) && string(o.members[lo].key) == key
}

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	return &Object{members: make([]member, 0, n)}
}

// Len is the number of members.
func (o *Object) Len() int { return len(o.members) }

// child returns the object at members[i], turning raw bytes into an Object
// the first time, or nil when the value is not an object.
func (o *Object) child(i int) *Object {
	v := &o.members[i].val
	if v.obj == nil {
		if len(v.raw) == 0 || v.raw[0] != '{' {
			return nil
		}
		v.obj = o.parser.newObject().membersOf(v.raw)
	}
	return v.obj
}

// Get returns the value at p, as [Path.Get] does for a decoded map.
func (o *Object) Get(p Path) (Value, bool) {
	for i, part := range p {
		j, ok := o.find(part)
		if !ok {
			return Value{}, false
		}
		if i == len(p)-1 {
			return o.members[j].val, true
		}
		if o = o.child(j); o == nil {
			return Value{}, false
		}
	}
	return Value{}, false
}

// Set stores v at p, creating the objects on the way, as [Path.Set] does
// for a decoded map, with the same error when a value on the way is not an
// object.
func (o *Object) Set(p Path, v Value) error {
	for i, part := range p[:len(p)-1] {
		j, ok := o.find(part)
		if !ok {
			child := o.parser.newObject()
			o.insert(j, part, Value{obj: child})
			o = child
			continue
		}
		child := o.child(j)
		if child == nil {
			return fmt.Errorf("cannot set %s: %s is not an object", p, p[:i+1])
		}
		o = child
	}
	last := p[len(p)-1]
	if j, ok := o.find(last); ok {
		o.members[j].val = v
	} else {
		o.insert(j, last, v)
	}
	return nil
}

// insert adds key at j. The key's bytes alias the string, which is never
// written through them.
func (o *Object) insert(j int, key string, v Value) {
	o.members = slices.Insert(o.members, j, member{key: unsafe.Slice(unsafe.StringData(key), len(key)), val: v})
}

// Remove deletes the value at p and then every object on the way that the
// deletion left empty, as [Path.Remove] does for a decoded map.
func (o *Object) Remove(p Path) {
	j, ok := o.find(p[0])
	if !ok {
		return
	}
	if len(p) == 1 {
		o.members = slices.Delete(o.members, j, j+1)
		return
	}
	child := o.child(j)
	if child == nil {
		return
	}
	child.Remove(p[1:])
	if len(child.members) == 0 {
		o.members = slices.Delete(o.members, j, j+1)
	}
}

// AppendJSON appends the object as compact JSON with keys sorted at every
// level and no HTML escaping: byte for byte what EncodeObject writes for
// the same content.
func (o *Object) AppendJSON(dst []byte) []byte {
	return o.appendJSON(dst)
}

func (o *Object) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, m := range o.members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, m.key...)
		dst = append(dst, '"', ':')
		switch {
		case m.val.obj != nil:
			dst = m.val.obj.appendJSON(dst)
		case m.val.canon:
			dst = append(dst, m.val.raw...)
		default:
			dst = appendCanonical(dst, m.val.raw)
		}
	}
	return append(dst, '}')
}
