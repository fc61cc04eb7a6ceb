package main

// The JSON helpers below are shared in spirit with transforms/project:
// each transform is its own module with no dependency but the SDK, so the
// few lines are copied rather than put in a package both import.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errNotObject is the reason for a record that is not a JSON object.
var errNotObject = errors.New("record is not a JSON object")

// path is a dotted field path split at the dots: "a.b" reaches b inside a.
type path []string

func parsePath(s string) (path, error) {
	p := path(strings.Split(s, "."))
	for _, part := range p {
		if part == "" {
			return nil, fmt.Errorf("field path %q has an empty part", s)
		}
	}
	return p, nil
}

func (p path) String() string { return strings.Join(p, ".") }

// decodeObject parses data as exactly one JSON object, keeping numbers as
// written (json.Number) so they are re-encoded without rounding.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotObject, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON value", errNotObject)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errNotObject
	}
	return obj, nil
}

// encodeObject writes obj as compact JSON without HTML escaping.
func encodeObject(obj map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// get returns the value at p in obj.
func get(obj map[string]any, p path) (any, bool) {
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

// set stores v at p in obj, creating the objects on the way.
func set(obj map[string]any, p path, v any) error {
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
