package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// rowBuilder shreds one JSON record into the values of every leaf column,
// with the repetition and definition levels Parquet's nested encoding
// (Dremel) gives them. A record that does not fit leaves nothing behind.
type rowBuilder struct {
	schema  *compiledSchema
	columns [][]parquet.Value
	index   []int // the element index of each enclosing list, for errors
	row     parquet.Row

	fastSchema *fastSchema // nil: the map path only
	fp         fastParser
}

func newRowBuilder(s *compiledSchema) *rowBuilder {
	return &rowBuilder{schema: s, columns: make([][]parquet.Value, s.columns), fastSchema: newFastSchema(s)}
}

// build converts record into a row, or returns a *ConversionError. The row
// (whose values may point into record) is reused by the next call. The fast
// path (fastjson.go) converts the records it can; the map path converts the
// rest and gives every error.
func (b *rowBuilder) build(record []byte) (parquet.Row, error) {
	if b.fastSchema != nil {
		b.reset()
		if b.fast(record) {
			return b.assemble(), nil
		}
	}
	return b.buildMap(record)
}

func (b *rowBuilder) reset() {
	for i := range b.columns {
		b.columns[i] = b.columns[i][:0]
	}
	b.index = b.index[:0]
}

func (b *rowBuilder) assemble() parquet.Row {
	b.row = b.row[:0]
	for _, col := range b.columns {
		b.row = append(b.row, col...)
	}
	return b.row
}

// buildMap is build by way of map[string]any: the definition of the
// conversion, and of its errors.
func (b *rowBuilder) buildMap(record []byte) (parquet.Row, error) {
	b.reset()
	obj, err := decodeObject(record)
	if err != nil {
		return nil, err
	}
	for _, c := range b.schema.root {
		v, present := obj[c.name]
		if err := b.value(c, v, present, 0, 0); err != nil {
			return nil, err
		}
	}
	if b.schema.extra >= 0 {
		if err := b.extra(obj); err != nil {
			return nil, err
		}
	}
	return b.assemble(), nil
}

func decodeObject(record []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(record))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ConversionError{Reason: "record is empty, want a JSON object"}
		}
		return nil, &ConversionError{Reason: "record is not valid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &ConversionError{Reason: "record has data after its JSON value"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ConversionError{Reason: "record is not a JSON object: got " + describe(v)}
	}
	return obj, nil
}

// value shreds v, the JSON value of c (present false when the key is
// absent), with repetition level r, under definition level d.
func (b *rowBuilder) value(c *column, v any, present bool, r, d int) error {
	if !present || v == nil {
		if c.required {
			if !present {
				return b.fail(c, "required, missing")
			}
			return b.fail(c, "required, got null")
		}
		b.nulls(c, r, d)
		return nil
	}
	if !c.required {
		d++
	}
	switch c.typ {
	case TypeStruct:
		obj, ok := v.(map[string]any)
		if !ok {
			return b.fail(c, "want struct (a JSON object), got "+describe(v))
		}
		for _, f := range c.fields {
			fv, ok := obj[f.name]
			if err := b.value(f, fv, ok, r, d); err != nil {
				return err
			}
		}
		return nil
	case TypeList:
		arr, ok := v.([]any)
		if !ok {
			return b.fail(c, "want list (a JSON array), got "+describe(v))
		}
		if len(arr) == 0 {
			b.nulls(c.items, r, d)
			return nil
		}
		b.index = append(b.index, 0)
		for i, e := range arr {
			b.index[len(b.index)-1] = i
			ri := r
			if i > 0 {
				ri = c.repLevel
			}
			if err := b.value(c.items, e, true, ri, d+1); err != nil {
				return err
			}
		}
		b.index = b.index[:len(b.index)-1]
		return nil
	}
	pv, reason := convertLeaf(c, v)
	if reason != "" {
		return b.fail(c, reason)
	}
	b.columns[c.first] = append(b.columns[c.first], pv.Level(r, d, c.first))
	return nil
}

// nulls gives every leaf column under c a null at levels r and d.
func (b *rowBuilder) nulls(c *column, r, d int) {
	for i := c.first; i < c.end; i++ {
		b.columns[i] = append(b.columns[i], parquet.Value{}.Level(r, d, i))
	}
}

// extra fills ExtraColumn with the top-level fields the schema lacks.
func (b *rowBuilder) extra(obj map[string]any) error {
	var unknown map[string]any
	for k, v := range obj {
		if !b.schema.known[k] {
			if unknown == nil {
				unknown = make(map[string]any)
			}
			unknown[k] = v
		}
	}
	col := b.schema.extra
	if unknown == nil {
		b.columns[col] = append(b.columns[col], parquet.Value{}.Level(0, 0, col))
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(unknown); err != nil {
		return &ConversionError{Reason: fmt.Sprintf("field %q: %v", ExtraColumn, err)}
	}
	text := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	b.columns[col] = append(b.columns[col], parquet.ByteArrayValue(text).Level(0, 1, col))
	return nil
}

// fail names c's path, with the indexes of the enclosing lists filled in.
func (b *rowBuilder) fail(c *column, reason string) error {
	path := c.path
	if len(b.index) > 0 {
		var sb strings.Builder
		rest := path
		for _, i := range b.index {
			k := strings.Index(rest, "[]")
			if k < 0 {
				break
			}
			sb.WriteString(rest[:k])
			fmt.Fprintf(&sb, "[%d]", i)
			rest = rest[k+2:]
		}
		sb.WriteString(rest)
		path = sb.String()
	}
	return &ConversionError{Reason: fmt.Sprintf("field %q: %s", path, reason)}
}

// convertLeaf converts a non-null JSON value to c's physical value, or
// returns why it cannot.
func convertLeaf(c *column, v any) (parquet.Value, string) {
	want := func() string { return "want " + c.typ + ", got " + describe(v) }
	switch c.typ {
	case TypeString:
		if s, ok := v.(string); ok {
			return parquet.ByteArrayValue([]byte(s)), ""
		}
	case TypeBoolean:
		if t, ok := v.(bool); ok {
			return parquet.BooleanValue(t), ""
		}
	case TypeInt32:
		if n, ok := v.(json.Number); ok {
			i, reason := integer(string(n), math.MinInt32, math.MaxInt32)
			if reason != "" {
				return parquet.Value{}, want() + " (" + reason + ")"
			}
			return parquet.Int32Value(int32(i)), ""
		}
	case TypeInt64:
		if n, ok := v.(json.Number); ok {
			i, reason := integer(string(n), math.MinInt64, math.MaxInt64)
			if reason != "" {
				return parquet.Value{}, want() + " (" + reason + ")"
			}
			return parquet.Int64Value(i), ""
		}
	case TypeFloat:
		if n, ok := v.(json.Number); ok {
			f, err := strconv.ParseFloat(string(n), 32)
			if err != nil {
				return parquet.Value{}, want() + " (out of range)"
			}
			return parquet.FloatValue(float32(f)), ""
		}
	case TypeDouble:
		if n, ok := v.(json.Number); ok {
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return parquet.Value{}, want() + " (out of range)"
			}
			return parquet.DoubleValue(f), ""
		}
	case TypeTimestampMS, TypeTimestampUS:
		return timestamp(c, v, want)
	case TypeDate:
		if s, ok := v.(string); ok {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return parquet.Value{}, want() + " (want YYYY-MM-DD)"
			}
			return parquet.Int32Value(int32(t.Unix() / 86400)), ""
		}
	case TypeDecimal:
		var text string
		switch n := v.(type) {
		case json.Number:
			text = string(n)
		case string:
			text = n
		default:
			return parquet.Value{}, want()
		}
		d, ok := parseExactDecimal(text)
		if !ok {
			return parquet.Value{}, want() + " (not a decimal number)"
		}
		unscaled, reason := d.scaled(c.scale, c.precision)
		if reason != "" {
			return parquet.Value{}, fmt.Sprintf("%s (decimal(%d,%d): %s)", want(), c.precision, c.scale, reason)
		}
		return parquet.FixedLenByteArrayValue(twosComplement(unscaled, c.size)), ""
	}
	return parquet.Value{}, want()
}

// timestamp converts an RFC 3339 string (digits finer than the column's
// unit are truncated) or an integer count of the column's unit since the
// Unix epoch.
func timestamp(c *column, v any, want func() string) (parquet.Value, string) {
	switch x := v.(type) {
	case json.Number:
		i, reason := integer(string(x), math.MinInt64, math.MaxInt64)
		if reason != "" {
			return parquet.Value{}, want() + " (" + reason + ")"
		}
		return parquet.Int64Value(i), ""
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return parquet.Value{}, want() + " (want RFC 3339)"
		}
		if c.typ == TypeTimestampMS {
			return parquet.Int64Value(t.UnixMilli()), ""
		}
		return parquet.Int64Value(t.UnixMicro()), ""
	}
	return parquet.Value{}, want()
}

// integer parses JSON number text as an exact integer within [lo, hi]:
// "3", "3.0" and "3e2" are integers, "3.5" is not.
func integer(text string, lo, hi int64) (int64, string) {
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		d, ok := parseExactDecimal(text)
		if !ok {
			return 0, "not a number"
		}
		n, reason := d.scaled(0, 20)
		if reason == "fractional" {
			return 0, "fractional"
		}
		if reason != "" || !n.IsInt64() {
			return 0, "out of range"
		}
		i = n.Int64()
	}
	if i < lo || i > hi {
		return 0, "out of range"
	}
	return i, ""
}

// describe names a JSON value's type, with the value for scalars.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case json.Number:
		return "number " + clip(string(x))
	case string:
		return "string " + strconv.Quote(clip(x))
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// clip shortens long text in error reasons.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
