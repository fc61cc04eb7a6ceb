package parquettest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// File is a Parquet file as Apache Arrow's Go implementation reads it.
type File struct {
	Schema *arrow.Schema
	Rows   []map[string]any
	// Codecs holds the compression codec of every column chunk, as the
	// file's metadata names it ("SNAPPY", "ZSTD", ...).
	Codecs    []string
	RowGroups int
}

// Read reads body with Arrow and turns every row into Go values:
// strings, int64 for int32/int64, float64 for float/double (float32 values
// widened), bool, time.Time for timestamps, "YYYY-MM-DD" for dates, the
// decimal's text for decimals, []any for lists, map[string]any for
// structs, nil for null.
func Read(t testing.TB, body []byte) File {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("arrow: open parquet: %v", err)
	}
	defer pf.Close()
	var out File
	md := pf.MetaData()
	out.RowGroups = md.NumRowGroups()
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatalf("arrow: column chunk %d: %v", c, err)
			}
			out.Codecs = append(out.Codecs, cc.Compression().String())
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow: file reader: %v", err)
	}
	table, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow: read table: %v", err)
	}
	defer table.Release()
	out.Schema = table.Schema()
	out.Rows = make([]map[string]any, table.NumRows())
	for i := range out.Rows {
		out.Rows[i] = map[string]any{}
	}
	for c := 0; c < int(table.NumCols()); c++ {
		col := table.Column(c)
		row := 0
		for _, chunk := range col.Data().Chunks() {
			for i := 0; i < chunk.Len(); i++ {
				out.Rows[row][col.Name()] = Value(t, chunk, i)
				row++
			}
		}
	}
	return out
}

// Value is the i-th value of a as a Go value, in Read's terms.
func Value(t testing.TB, a arrow.Array, i int) any {
	t.Helper()
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.List:
		start, end := a.ValueOffsets(i)
		items := []any{}
		for j := start; j < end; j++ {
			items = append(items, Value(t, a.ListValues(), int(j)))
		}
		return items
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		m := map[string]any{}
		for f := 0; f < a.NumField(); f++ {
			m[st.Field(f).Name] = Value(t, a.Field(f), i)
		}
		return m
	}
	t.Fatalf("arrow: unexpected array type %s", a.DataType())
	return nil
}

// TimesAsText replaces every time.Time in v (a row, a struct, a list) by its
// RFC 3339 text in UTC, for comparison with values written as text.
func TimesAsText(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case map[string]any:
		for k, x := range v {
			v[k] = TimesAsText(x)
		}
	case []any:
		for i, x := range v {
			v[i] = TimesAsText(x)
		}
	}
	return v
}
