package jsonpath

import (
	"bytes"
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
	s := scanner{data: data}
	i := s.skipSpace(0)
	if i >= len(data) || data[i] != '{' {
		return nil, ErrNeedsDecoder
	}
	o := &Object{members: make([]member, 0, 8)}
	end, _, ok := s.object(i, 1, &o.members)
	if !ok || s.skipSpace(end) != len(data) {
		return nil, ErrNeedsDecoder
	}
	o.normalize()
	return o, nil
}

// membersOf returns the object of the valid JSON object raw.
func membersOf(raw []byte) *Object {
	s := scanner{data: raw}
	o := &Object{members: make([]member, 0, 4)}
	s.object(0, 0, &o.members)
	o.normalize()
	return o
}

// normalize sorts the members by key and keeps the last of duplicates.
func (o *Object) normalize() {
	sorted := slices.IsSortedFunc(o.members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	if !sorted {
		slices.SortStableFunc(o.members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	}
	out := o.members[:0]
	for i, m := range o.members {
		if i+1 < len(o.members) && bytes.Equal(o.members[i+1].key, m.key) {
			continue // a later duplicate wins
		}
		out = append(out, m)
	}
	clear(o.members[len(out):])
	o.members = out
}

// find returns the index of key, or where it would go and false.
func (o *Object) find(key string) (int, bool) {
	return slices.BinarySearchFunc(o.members, key, compareKey)
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
		v.obj = membersOf(v.raw)
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
			child := NewObject(1)
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

// compareKey compares a member's key with k byte by byte, without
// converting either.
func compareKey(m member, k string) int {
	a := m.key
	for i := 0; i < len(a) && i < len(k); i++ {
		if a[i] != k[i] {
			if a[i] < k[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(k):
		return -1
	case len(a) > len(k):
		return 1
	}
	return 0
}
