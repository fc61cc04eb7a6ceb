package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sluice-io/sluice/internal/parquettest"
)

// encode adds records to a new object of e and finishes it; every record
// must be accepted.
func encode(t *testing.T, e *Encoder, records ...string) []byte {
	t.Helper()
	o := e.NewObject()
	for _, r := range records {
		if err := o.Add([]byte(r)); err != nil {
			t.Fatalf("Add(%s): %v", r, err)
		}
	}
	if o.Len() != len(records) {
		t.Fatalf("Len() = %d, want %d", o.Len(), len(records))
	}
	body, err := o.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return body
}

// checkRows reads a Parquet body with both Arrow and parquet-go and
// compares every row, field by field, with want (in readArrow's terms).
func checkRows(t *testing.T, schema []Field, body []byte, want []map[string]any) parquettest.File {
	t.Helper()
	af := parquettest.Read(t, body)
	compareRows(t, "arrow", af.Rows, want)
	compareRows(t, "parquet-go", readParquetGo(t, schema, body), want)
	return af
}

func compareRows(t *testing.T, reader string, got, want []map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n got %v", reader, len(got), len(want), got)
	}
	for i := range want {
		for k, w := range want[i] {
			if g, ok := got[i][k]; !ok || !reflect.DeepEqual(g, w) {
				t.Errorf("%s: row %d field %q = %#v, want %#v", reader, i, k, g, w)
			}
		}
		for k := range got[i] {
			if _, ok := want[i][k]; !ok {
				t.Errorf("%s: row %d has unexpected field %q = %#v", reader, i, k, got[i][k])
			}
		}
	}
}

// readParquetGo reads body back with parquet-go's own reader, from the
// schema stored in the file, and normalizes its Go values by the declared
// schema to readArrow's terms.
func readParquetGo(t *testing.T, schema []Field, body []byte) []map[string]any {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("parquet-go: open: %v", err)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	var rows []map[string]any
	for {
		m := map[string]any{}
		if err := r.Read(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("parquet-go: read row %d: %v", len(rows), err)
		}
		out := map[string]any{}
		for _, fd := range schema {
			out[fd.Name] = normalizeGo(t, fd, m[fd.Name])
		}
		if v, ok := m[ExtraColumn]; ok {
			out[ExtraColumn] = v
		}
		rows = append(rows, out)
	}
	return rows
}

func normalizeGo(t *testing.T, f Field, v any) any {
	t.Helper()
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	switch f.Type {
	case TypeString, TypeBoolean:
		return v
	case TypeInt32, TypeInt64:
		return rv.Int()
	case TypeFloat, TypeDouble:
		return rv.Float()
	case TypeTimestampMS:
		return time.UnixMilli(rv.Int()).UTC()
	case TypeTimestampUS:
		return time.UnixMicro(rv.Int()).UTC()
	case TypeDate:
		return time.Unix(rv.Int()*86400, 0).UTC().Format(time.DateOnly)
	case TypeDecimal:
		bf, ok := v.(*big.Float)
		if !ok {
			t.Fatalf("parquet-go: decimal %q read as %T", f.Name, v)
		}
		// parquet-go divides with at least 192 bits: rounding to the scale
		// gives back the exact decimal text.
		return bf.Text('f', f.Scale)
	case TypeList:
		items := []any{}
		for i := 0; i < rv.Len(); i++ {
			items = append(items, normalizeGo(t, *f.Items, rv.Index(i).Interface()))
		}
		return items
	case TypeStruct:
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("parquet-go: struct %q read as %T", f.Name, v)
		}
		out := map[string]any{}
		for _, sf := range f.Fields {
			out[sf.Name] = normalizeGo(t, sf, m[sf.Name])
		}
		return out
	}
	t.Fatalf("normalize: type %q", f.Type)
	return nil
}

// ts parses an RFC 3339 time for expectations.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(fmt.Sprintf("bad test time %q: %v", s, err))
	}
	return t.UTC()
}
