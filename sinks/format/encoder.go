package format

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// Content types of the objects an Encoder writes.
const (
	ContentTypeJSONLines = "application/x-ndjson"
	ContentTypeParquet   = "application/x-parquet"
)

// Encoder turns batches of records into object bodies as a Spec says. It is
// safe for concurrent use: each Object it makes is independent.
type Encoder struct {
	spec   Spec
	schema *compiledSchema  // Parquet
	codec  compress.Codec   // Parquet column codec
	whole  *wholeCompressor // JSON lines
}

// New validates spec and returns its Encoder. An empty Type means JSON
// lines; an empty Compression means none for JSON lines and snappy for
// Parquet. Errors wrap ErrInvalidSpec and name the offending field.
func New(spec Spec) (*Encoder, error) {
	e := &Encoder{spec: spec}
	switch spec.Compression {
	case "", None, Gzip, Snappy, Zstd:
	default:
		return nil, fmt.Errorf("%w: unknown compression %q (want %s, %s, %s or %s)", ErrInvalidSpec, spec.Compression, None, Gzip, Snappy, Zstd)
	}
	switch spec.Type {
	case "", JSONLines:
		e.spec.Type = JSONLines
		if len(spec.Schema) > 0 || spec.KeepUnknown {
			return nil, fmt.Errorf("%w: schema and keepUnknown are only for %s, not %s", ErrInvalidSpec, Parquet, JSONLines)
		}
		if spec.Compression == "" {
			e.spec.Compression = None
		}
		whole, err := newWholeCompressor(e.spec.Compression)
		if err != nil {
			return nil, err
		}
		e.whole = whole
	case Parquet:
		if spec.Compression == "" {
			e.spec.Compression = Snappy
		}
		schema, err := compileSchema(spec.Schema, spec.KeepUnknown)
		if err != nil {
			return nil, err
		}
		e.schema = schema
		e.codec = parquetCodecs[e.spec.Compression]
	default:
		return nil, fmt.Errorf("%w: unknown type %q (want %s or %s)", ErrInvalidSpec, spec.Type, JSONLines, Parquet)
	}
	return e, nil
}

var parquetCodecs = map[string]compress.Codec{
	None:   &parquet.Uncompressed,
	Gzip:   &parquet.Gzip,
	Snappy: &parquet.Snappy,
	Zstd:   newParquetZstd(),
}

// Spec returns the spec with its defaults filled in.
func (e *Encoder) Spec() Spec { return e.spec }

// ContentType is the MIME type of the objects.
func (e *Encoder) ContentType() string {
	if e.spec.Type == Parquet {
		return ContentTypeParquet
	}
	return ContentTypeJSONLines
}

// ContentEncoding is the HTTP Content-Encoding of the objects: "gzip",
// "zstd", "x-snappy-framed" (no registered token exists for snappy) or ""
// (none, and always for Parquet, whose compression is inside the file).
func (e *Encoder) ContentEncoding() string {
	if e.spec.Type == Parquet {
		return ""
	}
	switch e.spec.Compression {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	case Snappy:
		return "x-snappy-framed"
	}
	return ""
}

// Extension is the object name suffix: ".parquet", ".jsonl", ".jsonl.gz",
// ".jsonl.zst" or ".jsonl.snappy".
func (e *Encoder) Extension() string {
	if e.spec.Type == Parquet {
		return ".parquet"
	}
	switch e.spec.Compression {
	case Gzip:
		return ".jsonl.gz"
	case Zstd:
		return ".jsonl.zst"
	case Snappy:
		return ".jsonl.snappy"
	}
	return ".jsonl"
}

// ParquetSchema returns the Parquet schema in its text form ("message
// sluice { ... }"), or "" for JSON lines.
func (e *Encoder) ParquetSchema() string {
	if e.schema == nil {
		return ""
	}
	var b strings.Builder
	_ = parquet.PrintSchema(&b, "sluice", e.schema.parquet)
	return b.String()
}

// NewObject starts an object body.
func (e *Encoder) NewObject() *Object {
	o := &Object{enc: e}
	if e.schema != nil {
		o.rows = newRowBuilder(e.schema)
		o.writer = parquet.NewWriter(&o.buf, e.schema.parquet, parquet.Compression(e.codec))
		o.batch = make([]parquet.Row, 1)
	}
	return o
}

// Object is one object body being built. It is not safe for concurrent use.
type Object struct {
	enc  *Encoder
	n    int
	done bool
	buf  bytes.Buffer // JSON lines before compression, or the Parquet file

	rows   *rowBuilder
	writer *parquet.Writer
	batch  []parquet.Row
}

// Add appends one record. For JSON lines it is written as it is, followed
// by a newline unless it ends with one. For Parquet it must be a JSON
// object that fits the schema; one that does not gets a *ConversionError
// and is not added, and the object stays usable.
func (o *Object) Add(record []byte) error {
	if o.done {
		return ErrFinished
	}
	if o.writer == nil {
		o.buf.Write(record)
		if len(record) == 0 || record[len(record)-1] != '\n' {
			o.buf.WriteByte('\n')
		}
		o.n++
		return nil
	}
	row, err := o.rows.build(record)
	if err != nil {
		return err
	}
	o.batch[0] = row
	if _, err := o.writer.WriteRows(o.batch); err != nil {
		return fmt.Errorf("write parquet row: %w", err)
	}
	o.n++
	return nil
}

// Len is the number of records added.
func (o *Object) Len() int { return o.n }

// Finish returns the whole object body, compressed as the spec says. An
// object without records is an empty body for JSON lines and a valid
// Parquet file without rows for Parquet. The Object is not usable after.
func (o *Object) Finish() ([]byte, error) {
	if o.done {
		return nil, ErrFinished
	}
	o.done = true
	if o.writer == nil {
		return o.enc.whole.compress(o.buf.Bytes())
	}
	if err := o.writer.Close(); err != nil {
		return nil, fmt.Errorf("close parquet file: %w", err)
	}
	return o.buf.Bytes(), nil
}
