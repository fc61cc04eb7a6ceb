package format

import (
	"errors"
	"strings"
	"testing"
)

func TestNewRejectsBadSpecs(t *testing.T) {
	str := Field{Name: "s", Type: TypeString}
	pq := func(fields ...Field) Spec { return Spec{Type: Parquet, Schema: fields} }
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"unknown type", Spec{Type: "orc"}, `unknown type "orc"`},
		{"unknown compression", Spec{Compression: "lz4"}, `unknown compression "lz4"`},
		{"schema on json lines", Spec{Schema: []Field{str}}, `schema and keepUnknown are only for parquet`},
		{"keepUnknown on json lines", Spec{KeepUnknown: true}, `schema and keepUnknown are only for parquet`},
		{"parquet without schema", Spec{Type: Parquet}, `parquet needs a schema`},
		{"empty name", pq(Field{Type: TypeString}), `a field in the top level has no name`},
		{"empty nested name", pq(Field{Name: "st", Type: TypeStruct, Fields: []Field{{Type: TypeInt32}}}), `a field in the struct "st" has no name`},
		{"dotted name", pq(Field{Name: "a.b", Type: TypeString}), `field "a.b": a name may not contain`},
		{"duplicate", pq(str, str), `field "s" is declared twice`},
		{"duplicate nested", pq(Field{Name: "st", Type: TypeStruct, Fields: []Field{str, str}}), `field "st.s" is declared twice`},
		{"no type", pq(Field{Name: "x"}), `field "x": no type`},
		{"unknown field type", pq(Field{Name: "x", Type: "strng"}), `field "x": unknown type "strng" (want one of string, int32,`},
		{"unknown nested type", pq(Field{Name: "l", Type: TypeList, Items: &Field{Type: TypeStruct, Fields: []Field{{Name: "v", Type: "uuid"}}}}), `field "l[].v": unknown type "uuid"`},
		{"decimal precision 0", pq(Field{Name: "d", Type: TypeDecimal}), `field "d": decimal precision must be 1..38, got 0`},
		{"decimal precision 39", pq(Field{Name: "d", Type: TypeDecimal, Precision: 39}), `decimal precision must be 1..38, got 39`},
		{"decimal scale above precision", pq(Field{Name: "d", Type: TypeDecimal, Precision: 4, Scale: 5}), `decimal scale must be 0..precision (4), got 5`},
		{"decimal negative scale", pq(Field{Name: "d", Type: TypeDecimal, Precision: 4, Scale: -1}), `got -1`},
		{"precision on int", pq(Field{Name: "i", Type: TypeInt64, Precision: 3}), `field "i": precision and scale are only for decimal, not int64`},
		{"list without items", pq(Field{Name: "l", Type: TypeList}), `field "l": list needs items`},
		{"named items", pq(Field{Name: "l", Type: TypeList, Items: &Field{Name: "x", Type: TypeString}}), `field "l": list items have no name, got "x"`},
		{"items on string", pq(Field{Name: "s", Type: TypeString, Items: &str}), `field "s": items are only for list, not string`},
		{"struct without fields", pq(Field{Name: "st", Type: TypeStruct}), `field "st": struct needs fields`},
		{"fields on list", pq(Field{Name: "l", Type: TypeList, Items: &str, Fields: []Field{str}}), `field "l": fields are only for struct, not list`},
		{"reserved _extra", Spec{Type: Parquet, KeepUnknown: true, Schema: []Field{{Name: ExtraColumn, Type: TypeString}}}, `field "_extra" is reserved`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.spec)
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("New = %v, want ErrInvalidSpec", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestEncoderMetadata(t *testing.T) {
	schema := []Field{{Name: "a", Type: TypeString}}
	tests := []struct {
		spec                             Spec
		contentType, encoding, extension string
		compression                      string
	}{
		{Spec{}, ContentTypeJSONLines, "", ".jsonl", None},
		{Spec{Type: JSONLines, Compression: None}, ContentTypeJSONLines, "", ".jsonl", None},
		{Spec{Compression: Gzip}, ContentTypeJSONLines, "gzip", ".jsonl.gz", Gzip},
		{Spec{Compression: Zstd}, ContentTypeJSONLines, "zstd", ".jsonl.zst", Zstd},
		{Spec{Compression: Snappy}, ContentTypeJSONLines, "x-snappy-framed", ".jsonl.snappy", Snappy},
		{Spec{Type: Parquet, Schema: schema}, ContentTypeParquet, "", ".parquet", Snappy},
		{Spec{Type: Parquet, Compression: Zstd, Schema: schema}, ContentTypeParquet, "", ".parquet", Zstd},
		{Spec{Type: Parquet, Compression: None, Schema: schema}, ContentTypeParquet, "", ".parquet", None},
	}
	for _, tt := range tests {
		e, err := New(tt.spec)
		if err != nil {
			t.Fatalf("New(%+v): %v", tt.spec, err)
		}
		if got := e.ContentType(); got != tt.contentType {
			t.Errorf("%+v: ContentType %q, want %q", tt.spec, got, tt.contentType)
		}
		if got := e.ContentEncoding(); got != tt.encoding {
			t.Errorf("%+v: ContentEncoding %q, want %q", tt.spec, got, tt.encoding)
		}
		if got := e.Extension(); got != tt.extension {
			t.Errorf("%+v: Extension %q, want %q", tt.spec, got, tt.extension)
		}
		if got := e.Spec().Compression; got != tt.compression {
			t.Errorf("%+v: Spec().Compression %q, want %q", tt.spec, got, tt.compression)
		}
	}
}
