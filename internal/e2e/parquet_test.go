package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-io/sluice/internal/s3test"
)

// arrowRows reads a Parquet object with Apache Arrow's Go implementation
// (independent of the parquet-go writer) and returns its rows as Go
// values, and the compression codec of every column chunk.
func arrowRows(t testing.TB, key string, body []byte) ([]map[string]any, []string) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("arrow: open %s: %v", key, err)
	}
	defer pf.Close()
	var codecs []string
	md := pf.MetaData()
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatalf("arrow: %s column chunk %d: %v", key, c, err)
			}
			codecs = append(codecs, cc.Compression().String())
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow: %s: %v", key, err)
	}
	table, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow: read %s: %v", key, err)
	}
	defer table.Release()
	rows := make([]map[string]any, table.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	for c := 0; c < int(table.NumCols()); c++ {
		col := table.Column(c)
		row := 0
		for _, chunk := range col.Data().Chunks() {
			for i := 0; i < chunk.Len(); i++ {
				rows[row][col.Name()] = arrowValue(t, chunk, i)
				row++
			}
		}
	}
	return rows, codecs
}

// arrowValue is one value as a Go value: string, int64, float64, bool,
// an RFC 3339 string (UTC) for a timestamp, map[string]any for a struct,
// nil for null.
func arrowValue(t testing.TB, a arrow.Array, i int) any {
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
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano)
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		m := map[string]any{}
		for f := 0; f < a.NumField(); f++ {
			m[st.Field(f).Name] = arrowValue(t, a.Field(f), i)
		}
		return m
	}
	t.Fatalf("arrow: unexpected array type %s", a.DataType())
	return nil
}

// folderObjects returns every object under dir by key (slash-separated,
// relative to dir), skipping the hidden temporary files of writes in
// progress.
func folderObjects(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			if os.IsNotExist(err) { // renamed over meanwhile
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	return out
}

// s3Objects returns every object of the test bucket under prefix.
func s3Objects(t testing.TB, s3 *s3test.Server, prefix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, k := range s3.List(prefix) {
		out[k] = s3.Get(k)
	}
	return out
}
