package firehose

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// unsupportedField returns the path ("A.B.C", "A.List[2].B") of the first
// field of the JSON object raw that the Go type t does not declare, or ""
// when there is none. JSON nulls count as absent. raw must already decode
// into t: unsupportedField only looks for fields decoding would drop.
func unsupportedField(raw json.RawMessage, t reflect.Type) string {
	return walkFields(raw, t, "")
}

func walkFields(raw json.RawMessage, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := obj[k]
			if string(v) == "null" {
				continue
			}
			ft, ok := fields[k]
			if !ok {
				return join(path, k)
			}
			if p := walkFields(v, ft, join(path, k)); p != "" {
				return p
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // a blob
			return ""
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return ""
		}
		for i, v := range list {
			if p := walkFields(v, t.Elem(), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	}
	return ""
}

// jsonFields maps the JSON names of a struct's fields (including those of
// embedded structs) to their types. A json.RawMessage field is opaque.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		if ft == reflect.TypeFor[json.RawMessage]() || ft == reflect.TypeFor[*json.RawMessage]() {
			ft = reflect.TypeFor[any]()
		}
		out[name] = ft
	}
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
