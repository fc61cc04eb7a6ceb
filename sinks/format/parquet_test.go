package format

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/internal/parquettest"
)

// TestParquetTypes writes every field type, required and optional, nested
// and repeated, and reads each file back with Arrow and parquet-go.
func TestParquetTypes(t *testing.T) {
	str := func(name string, req bool) Field { return Field{Name: name, Type: TypeString, Required: req} }
	tests := []struct {
		name    string
		schema  []Field
		records []string
		want    []map[string]any
	}{{
		name: "required scalars",
		schema: []Field{
			str("s", true),
			{Name: "i32", Type: TypeInt32, Required: true},
			{Name: "i64", Type: TypeInt64, Required: true},
			{Name: "f", Type: TypeFloat, Required: true},
			{Name: "d", Type: TypeDouble, Required: true},
			{Name: "b", Type: TypeBoolean, Required: true},
		},
		records: []string{
			`{"s":"héllo ☃","i32":-2147483648,"i64":9223372036854775807,"f":1.1,"d":0.1,"b":true}`,
			`{"s":"","i32":2147483647,"i64":-9223372036854775808,"f":-3.4e38,"d":-1e308,"b":false}`,
			`{"s":"x\ny","i32":3.0,"i64":1e3,"f":0,"d":5,"b":true}`,
		},
		want: []map[string]any{
			{"s": "héllo ☃", "i32": int64(-2147483648), "i64": int64(9223372036854775807), "f": float64(float32(1.1)), "d": 0.1, "b": true},
			{"s": "", "i32": int64(2147483647), "i64": int64(-9223372036854775808), "f": float64(float32(-3.4e38)), "d": -1e308, "b": false},
			{"s": "x\ny", "i32": int64(3), "i64": int64(1000), "f": float64(0), "d": float64(5), "b": true},
		},
	}, {
		name: "optional scalars absent or null",
		schema: []Field{
			str("s", false),
			{Name: "i32", Type: TypeInt32},
			{Name: "i64", Type: TypeInt64},
			{Name: "f", Type: TypeFloat},
			{Name: "d", Type: TypeDouble},
			{Name: "b", Type: TypeBoolean},
			{Name: "tms", Type: TypeTimestampMS},
			{Name: "tus", Type: TypeTimestampUS},
			{Name: "day", Type: TypeDate},
			{Name: "dec", Type: TypeDecimal, Precision: 5, Scale: 1},
		},
		records: []string{
			`{}`,
			`{"s":null,"i32":null,"i64":null,"f":null,"d":null,"b":null,"tms":null,"tus":null,"day":null,"dec":null}`,
			`{"s":"a","i32":1,"i64":2,"f":0.5,"d":0.25,"b":false,"tms":0,"tus":0,"day":"1970-01-01","dec":"0.0"}`,
		},
		want: []map[string]any{
			{"s": nil, "i32": nil, "i64": nil, "f": nil, "d": nil, "b": nil, "tms": nil, "tus": nil, "day": nil, "dec": nil},
			{"s": nil, "i32": nil, "i64": nil, "f": nil, "d": nil, "b": nil, "tms": nil, "tus": nil, "day": nil, "dec": nil},
			{"s": "a", "i32": int64(1), "i64": int64(2), "f": 0.5, "d": 0.25, "b": false, "tms": ts("1970-01-01T00:00:00Z"), "tus": ts("1970-01-01T00:00:00Z"), "day": "1970-01-01", "dec": "0.0"},
		},
	}, {
		name: "timestamps and dates",
		schema: []Field{
			{Name: "ms", Type: TypeTimestampMS, Required: true},
			{Name: "us", Type: TypeTimestampUS, Required: true},
			{Name: "day", Type: TypeDate, Required: true},
		},
		records: []string{
			`{"ms":"2024-02-29T23:59:59.123456789Z","us":"2024-02-29T23:59:59.123456789Z","day":"2024-02-29"}`,
			`{"ms":"2024-03-01T01:00:00+02:00","us":"2024-03-01T01:00:00.5-01:30","day":"1969-12-31"}`,
			`{"ms":1700000000123,"us":1700000000123456,"day":"0001-01-01"}`,
			`{"ms":-1,"us":-1,"day":"9999-12-31"}`,
		},
		want: []map[string]any{
			{"ms": ts("2024-02-29T23:59:59.123Z"), "us": ts("2024-02-29T23:59:59.123456Z"), "day": "2024-02-29"},
			{"ms": ts("2024-02-29T23:00:00Z"), "us": ts("2024-03-01T02:30:00.5Z"), "day": "1969-12-31"},
			{"ms": ts("2023-11-14T22:13:20.123Z"), "us": ts("2023-11-14T22:13:20.123456Z"), "day": "0001-01-01"},
			{"ms": ts("1969-12-31T23:59:59.999Z"), "us": ts("1969-12-31T23:59:59.999999Z"), "day": "9999-12-31"},
		},
	}, {
		name: "decimals exact at every precision",
		schema: []Field{
			{Name: "d9", Type: TypeDecimal, Precision: 9, Scale: 2, Required: true},
			{Name: "d18", Type: TypeDecimal, Precision: 18, Scale: 0, Required: true},
			{Name: "d38", Type: TypeDecimal, Precision: 38, Scale: 10, Required: true},
			{Name: "d1", Type: TypeDecimal, Precision: 1, Scale: 1, Required: true},
		},
		records: []string{
			`{"d9":1234567.89,"d18":999999999999999999,"d38":"9999999999999999999999999999.9999999999","d1":0.9}`,
			`{"d9":"-1234567.89","d18":"-999999999999999999","d38":-9999999999999999999999999999.9999999999,"d1":-0.9}`,
			`{"d9":0.1,"d18":1.5e3,"d38":"0.0000000001","d1":"-.5"}`,
			`{"d9":"+12.3","d18":"0","d38":123.45000000000000,"d1":0}`,
		},
		want: []map[string]any{
			{"d9": "1234567.89", "d18": "999999999999999999", "d38": "9999999999999999999999999999.9999999999", "d1": "0.9"},
			{"d9": "-1234567.89", "d18": "-999999999999999999", "d38": "-9999999999999999999999999999.9999999999", "d1": "-0.9"},
			{"d9": "0.10", "d18": "1500", "d38": "0.0000000001", "d1": "-0.5"},
			{"d9": "12.30", "d18": "0", "d38": "123.4500000000", "d1": "0.0"},
		},
	}, {
		name: "lists of scalars",
		schema: []Field{
			{Name: "req", Type: TypeList, Required: true, Items: &Field{Type: TypeInt64, Required: true}},
			{Name: "opt", Type: TypeList, Items: &Field{Type: TypeString}},
		},
		records: []string{
			`{"req":[1,2,3],"opt":["a",null,"b"]}`,
			`{"req":[],"opt":[]}`,
			`{"req":[7]}`,
			`{"req":[8],"opt":null}`,
			`{"req":[9],"opt":[null]}`,
		},
		want: []map[string]any{
			{"req": []any{int64(1), int64(2), int64(3)}, "opt": []any{"a", nil, "b"}},
			{"req": []any{}, "opt": []any{}},
			{"req": []any{int64(7)}, "opt": nil},
			{"req": []any{int64(8)}, "opt": nil},
			{"req": []any{int64(9)}, "opt": []any{nil}},
		},
	}, {
		name: "nested struct in list in struct",
		schema: []Field{
			{Name: "order", Type: TypeStruct, Fields: []Field{
				{Name: "id", Type: TypeString, Required: true},
				{Name: "lines", Type: TypeList, Items: &Field{Type: TypeStruct, Fields: []Field{
					{Name: "sku", Type: TypeString, Required: true},
					{Name: "qty", Type: TypeInt32},
					{Name: "price", Type: TypeDecimal, Precision: 10, Scale: 2},
					{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString, Required: true}},
					{Name: "dim", Type: TypeStruct, Fields: []Field{{Name: "w", Type: TypeDouble}}},
				}}},
			}},
		},
		records: []string{
			`{"order":{"id":"o1","lines":[{"sku":"a","qty":2,"price":"9.99","tags":["x","y"],"dim":{"w":1.5}},{"sku":"b","tags":[]},null]}}`,
			`{"order":{"id":"o2","lines":[]}}`,
			`{"order":{"id":"o3"}}`,
			`{"order":null}`,
			`{}`,
		},
		want: []map[string]any{
			{"order": map[string]any{"id": "o1", "lines": []any{
				map[string]any{"sku": "a", "qty": int64(2), "price": "9.99", "tags": []any{"x", "y"}, "dim": map[string]any{"w": 1.5}},
				map[string]any{"sku": "b", "qty": nil, "price": nil, "tags": []any{}, "dim": nil},
				nil,
			}}},
			{"order": map[string]any{"id": "o2", "lines": []any{}}},
			{"order": map[string]any{"id": "o3", "lines": nil}},
			{"order": nil},
			{"order": nil},
		},
	}, {
		name: "required struct",
		schema: []Field{
			{Name: "meta", Type: TypeStruct, Required: true, Fields: []Field{
				{Name: "k", Type: TypeString},
				{Name: "n", Type: TypeInt32, Required: true},
			}},
		},
		records: []string{
			`{"meta":{"n":1}}`,
			`{"meta":{"k":"v","n":2,"unknown":true}}`,
		},
		want: []map[string]any{
			{"meta": map[string]any{"k": nil, "n": int64(1)}},
			{"meta": map[string]any{"k": "v", "n": int64(2)}},
		},
	}, {
		name: "list of lists",
		schema: []Field{
			{Name: "m", Type: TypeList, Items: &Field{Type: TypeList, Items: &Field{Type: TypeInt64}}},
		},
		records: []string{
			`{"m":[[1,2],[],null,[3,null]]}`,
			`{"m":[[4]]}`,
		},
		want: []map[string]any{
			{"m": []any{[]any{int64(1), int64(2)}, []any{}, nil, []any{int64(3), nil}}},
			{"m": []any{[]any{int64(4)}}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Spec{Type: Parquet, Schema: tt.schema})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			checkRows(t, tt.schema, encode(t, e, tt.records...), tt.want)
		})
	}
}

// TestParquetCompression checks the column codec each Spec.Compression
// puts in the file's metadata, and that the values survive it.
func TestParquetCompression(t *testing.T) {
	schema := []Field{
		{Name: "id", Type: TypeInt64, Required: true},
		{Name: "msg", Type: TypeString},
		{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString}},
	}
	for _, tt := range []struct{ compression, codec string }{
		{"", "SNAPPY"}, {None, "UNCOMPRESSED"}, {Gzip, "GZIP"}, {Snappy, "SNAPPY"}, {Zstd, "ZSTD"},
	} {
		t.Run(tt.codec+"/"+tt.compression, func(t *testing.T) {
			e, err := New(Spec{Type: Parquet, Compression: tt.compression, Schema: schema})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			var records []string
			var want []map[string]any
			for i := range 1000 {
				msg := strings.Repeat(fmt.Sprintf("message %d ", i%7), 5)
				records = append(records, fmt.Sprintf(`{"id":%d,"msg":%q,"tags":["t%d","u"]}`, i, msg, i%3))
				want = append(want, map[string]any{"id": int64(i), "msg": msg, "tags": []any{fmt.Sprintf("t%d", i%3), "u"}})
			}
			af := checkRows(t, schema, encode(t, e, records...), want)
			if len(af.Codecs) != 3 {
				t.Fatalf("column chunks %v, want 3", af.Codecs)
			}
			for i, c := range af.Codecs {
				if c != tt.codec {
					t.Errorf("column chunk %d codec %s, want %s", i, c, tt.codec)
				}
			}
			if af.RowGroups != 1 {
				t.Errorf("%d row groups, want 1", af.RowGroups)
			}
		})
	}
}

// TestParquetUnknownFields: fields the schema lacks are dropped, or kept
// as a JSON object in ExtraColumn with their number text unchanged.
func TestParquetUnknownFields(t *testing.T) {
	schema := []Field{{Name: "a", Type: TypeInt64}}
	records := []string{
		`{"a":1,"b":{"c":[1.50,"x<y"]},"z":null}`,
		`{"a":2}`,
		`{"q":"only unknown"}`,
	}
	t.Run("dropped by default", func(t *testing.T) {
		e, err := New(Spec{Type: Parquet, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		af := checkRows(t, schema, encode(t, e, records...), []map[string]any{{"a": int64(1)}, {"a": int64(2)}, {"a": nil}})
		if n := af.Schema.NumFields(); n != 1 {
			t.Errorf("schema has %d fields, want 1: %v", n, af.Schema)
		}
	})
	t.Run("kept in _extra", func(t *testing.T) {
		e, err := New(Spec{Type: Parquet, Schema: schema, KeepUnknown: true})
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, schema, encode(t, e, records...), []map[string]any{
			{"a": int64(1), ExtraColumn: `{"b":{"c":[1.50,"x<y"]},"z":null}`},
			{"a": int64(2), ExtraColumn: nil},
			{"a": nil, ExtraColumn: `{"q":"only unknown"}`},
		})
	})
}

// TestParquetColumnOrder: columns keep the order the schema declares.
func TestParquetColumnOrder(t *testing.T) {
	schema := []Field{
		{Name: "zeta", Type: TypeString},
		{Name: "alpha", Type: TypeStruct, Fields: []Field{{Name: "y", Type: TypeInt32}, {Name: "b", Type: TypeInt32}}},
		{Name: "mid", Type: TypeBoolean},
	}
	e, err := New(Spec{Type: Parquet, Schema: schema, KeepUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	af := parquettest.Read(t, encode(t, e, `{"zeta":"z","alpha":{"y":1,"b":2},"mid":true}`))
	var names []string
	for _, f := range af.Schema.Fields() {
		names = append(names, f.Name)
	}
	if want := []string{"zeta", "alpha", "mid", ExtraColumn}; !reflect.DeepEqual(names, want) {
		t.Errorf("columns %v, want %v", names, want)
	}
	if got := af.Schema.Field(1).Type.String(); got != "struct<y: int32 nullable, b: int32 nullable>" {
		t.Errorf("alpha is %s, want struct<y: int32 nullable, b: int32 nullable>", got)
	}
}

// TestParquetSkipsBadRecords: a record that does not fit is refused and
// the others are written.
func TestParquetSkipsBadRecords(t *testing.T) {
	schema := []Field{
		{Name: "id", Type: TypeInt64, Required: true},
		{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString}},
	}
	e, err := New(Spec{Type: Parquet, Compression: Zstd, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	o := e.NewObject()
	var refused int
	for _, r := range []string{
		`{"id":1,"tags":["a"]}`,
		`{"id":2,"tags":["a",3]}`, // fails on its second element, after the first was shredded
		`not json`,
		`{"id":3}`,
		`{"tags":[]}`,
		`{"id":4,"tags":["b","c"]}`,
	} {
		if err := o.Add([]byte(r)); err != nil {
			var ce *ConversionError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConversion) {
				t.Fatalf("Add(%s) = %v, want a *ConversionError", r, err)
			}
			refused++
		}
	}
	if refused != 3 || o.Len() != 3 {
		t.Fatalf("refused %d, Len %d; want 3 and 3", refused, o.Len())
	}
	body, err := o.Finish()
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, schema, body, []map[string]any{
		{"id": int64(1), "tags": []any{"a"}},
		{"id": int64(3), "tags": nil},
		{"id": int64(4), "tags": []any{"b", "c"}},
	})
}

// TestParquetEmptyObject: an object without records is a valid file.
func TestParquetEmptyObject(t *testing.T) {
	schema := []Field{{Name: "id", Type: TypeInt64}}
	e, err := New(Spec{Type: Parquet, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, schema, encode(t, e), nil)
}

func TestObjectFinished(t *testing.T) {
	for _, spec := range []Spec{{}, {Type: Parquet, Schema: []Field{{Name: "a", Type: TypeString}}}} {
		e, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		o := e.NewObject()
		if _, err := o.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := o.Add([]byte(`{}`)); !errors.Is(err, ErrFinished) {
			t.Errorf("%s: Add after Finish = %v, want ErrFinished", e.Spec().Type, err)
		}
		if _, err := o.Finish(); !errors.Is(err, ErrFinished) {
			t.Errorf("%s: Finish twice = %v, want ErrFinished", e.Spec().Type, err)
		}
	}
}
