package jsonpath

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotObject is the reason for a record that is not one JSON object.
var ErrNotObject = errors.New("record is not a JSON object")

// Path is a dotted field path split at the dots: "a.b" reaches b inside a.
// A key that itself contains a dot cannot be named.
type Path []string

// Parse splits a dotted path, refusing empty parts.
func Parse(s string) (Path, error) {
	p := Path(strings.Split(s, "."))
	for _, part := range p {
		if part == "" {
			return nil, fmt.Errorf("field path %q has an empty part", s)
		}
	}
	return p, nil
}

// String is the dotted form.
func (p Path) String() string { return strings.Join(p, ".") }

// DecodeObject parses data as exactly one JSON object, keeping numbers as
// written (json.Number) so they are re-encoded without rounding.
func DecodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", ErrNotObject)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, ErrNotObject
	}
	return obj, nil
}

// EncodeObject writes obj as compact JSON without HTML escaping.
func EncodeObject(obj map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Get returns the value at p in obj.
func (p Path) Get(obj map[string]any) (any, bool) {
	for i, part := range p {
		v, ok := obj[part]
		if !ok {
			return nil, false
		}
		if i == len(p)-1 {
			return v, true
		}
		if obj, ok = v.(map[string]any); !ok {
			return nil, false
		}
	}
	return nil, false
}

// Set stores v at p in obj, creating the objects on the way.
func (p Path) Set(obj map[string]any, v any) error {
	for i, part := range p[:len(p)-1] {
		next, exists := obj[part]
		if !exists {
			child := map[string]any{}
			obj[part] = child
			obj = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("cannot set %s: %s is not an object", p, p[:i+1])
		}
		obj = child
	}
	obj[p[len(p)-1]] = v
	return nil
}

// Remove deletes the value at p in obj and then every object on the way
// that the deletion left empty.
func (p Path) Remove(obj map[string]any) {
	if len(p) == 1 {
		delete(obj, p[0])
		return
	}
	child, ok := obj[p[0]].(map[string]any)
	if !ok {
		return
	}
	p[1:].Remove(child)
	if len(child) == 0 {
		delete(obj, p[0])
	}
}
