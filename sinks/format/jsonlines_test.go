package format

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// decompress undoes a JSON lines object's compression with a decoder
// other than the encoder's: the standard library for gzip, klauspost's
// snappy (framed) reader and zstd decoder.
func decompress(t *testing.T, codec string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch codec {
	case None:
		return body
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case Snappy:
		r = snappy.NewReader(bytes.NewReader(body))
	case Zstd:
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: decompress: %v", codec, err)
	}
	return out
}

func TestJSONLines(t *testing.T) {
	records := []string{
		`{"a":1}`,
		"{\"b\":2}\n", // its own newline is not doubled
		`not json at all`,
		"",                // an empty record is an empty line
		"\x00\xff binary", // arbitrary bytes pass through
		`{"big":"` + string(bytes.Repeat([]byte("x"), 200_000)) + `"}`,
	}
	want := "{\"a\":1}\n{\"b\":2}\nnot json at all\n\n\x00\xff binary\n" + records[5] + "\n"
	for _, codec := range []string{None, Gzip, Snappy, Zstd} {
		t.Run(codec, func(t *testing.T) {
			e, err := New(Spec{Compression: codec})
			if err != nil {
				t.Fatal(err)
			}
			body := encode(t, e, records...)
			if codec != None && len(body) >= len(want) {
				t.Errorf("compressed %d bytes into %d", len(want), len(body))
			}
			if got := decompress(t, codec, body); string(got) != want {
				t.Errorf("object differs: got %d bytes, want %d", len(got), len(want))
			}
			// A second object from the same encoder reuses its compressor.
			if got := decompress(t, codec, encode(t, e, "x")); string(got) != "x\n" {
				t.Errorf("second object = %q, want %q", got, "x\n")
			}
			if got := decompress(t, codec, encode(t, e)); len(got) != 0 {
				t.Errorf("empty object = %q, want nothing", got)
			}
		})
	}
}

// TestConcurrentObjects builds objects of one Encoder from many goroutines
// at once (run with -race): each object must hold exactly its records.
func TestConcurrentObjects(t *testing.T) {
	schema := []Field{
		{Name: "g", Type: TypeInt32, Required: true},
		{Name: "i", Type: TypeInt64, Required: true},
		{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString}},
	}
	specs := []Spec{
		{Compression: Gzip}, {Compression: Snappy}, {Compression: Zstd},
		{Type: Parquet, Compression: Zstd, Schema: schema},
		{Type: Parquet, Compression: Gzip, Schema: schema},
	}
	for _, spec := range specs {
		t.Run(spec.Type+"/"+spec.Compression, func(t *testing.T) {
			e, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			const goroutines, perObject = 8, 300
			bodies := make([][]byte, goroutines)
			errs := make(chan error, goroutines)
			for g := range goroutines {
				go func() {
					o := e.NewObject()
					for i := range perObject {
						if err := o.Add(fmt.Appendf(nil, `{"g":%d,"i":%d,"tags":["t%d"]}`, g, i, i)); err != nil {
							errs <- err
							return
						}
					}
					body, err := o.Finish()
					bodies[g] = body
					errs <- err
				}()
			}
			for range goroutines {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			for g, body := range bodies {
				if spec.Type == Parquet {
					var want []map[string]any
					for i := range perObject {
						want = append(want, map[string]any{"g": int64(g), "i": int64(i), "tags": []any{fmt.Sprintf("t%d", i)}})
					}
					checkRows(t, schema, body, want)
					continue
				}
				var want bytes.Buffer
				for i := range perObject {
					fmt.Fprintf(&want, "{\"g\":%d,\"i\":%d,\"tags\":[\"t%d\"]}\n", g, i, i)
				}
				if got := decompress(t, spec.Compression, body); !bytes.Equal(got, want.Bytes()) {
					t.Errorf("object %d differs", g)
				}
			}
		})
	}
}
