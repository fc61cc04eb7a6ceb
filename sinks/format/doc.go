// Package format turns a batch of records into an object body: JSON lines
// as they are, or JSON records converted to Parquet rows by a declared
// schema, with gzip, snappy or zstd compression.
//
// An [Encoder] is made once per delivery stream from its [Spec] ([New]
// validates the spec and the schema) and is safe for concurrent use; each
// batch builds one [Object] with [Encoder.NewObject], adds its records and
// calls [Object.Finish] for the body.
//
// # JSON lines
//
// Records are written as they are, one per line: a newline follows each
// record unless it already ends with one. Records need not be JSON. The
// whole object is compressed: gzip, snappy (the framed format) or zstd.
//
// # Parquet
//
// Each record must be one JSON object; it becomes one row. Types are
// checked strictly, and a record that does not fit gets a
// [*ConversionError] whose reason names the field path
// (`field "lines[1].sku": required, missing`); it is not added and the
// object takes the records that follow. Firehose sends such records to the
// error output as format-conversion-failed.
//
//   - string: a JSON string. boolean: true or false.
//   - int32, int64: a JSON number with an integer value ("3", "3.0" and
//     "3e2" are integers; "3.5" is refused) within the type's range.
//   - float, double: a JSON number within the type's range.
//   - timestamp_ms, timestamp_us: an RFC 3339 string (digits finer than the
//     unit are truncated) or an integer count of the unit since the Unix
//     epoch. Written as TIMESTAMP(MILLIS|MICROS) adjusted to UTC.
//   - date: a "YYYY-MM-DD" string. Written as DATE.
//   - decimal: a JSON number or a numeric string, read from its text, never
//     through a float: a value needing more than Scale decimal places or
//     more than Precision digits is refused, never rounded. Written as
//     FIXED_LEN_BYTE_ARRAY DECIMAL(Precision, Scale).
//   - list: a JSON array, written with the three-level LIST structure. An
//     empty array and an absent or null list stay distinct.
//   - struct: a JSON object.
//
// A field that is not Required may be absent or null; a list's items may be
// null unless the item Field is Required. Columns keep the order the schema
// declares them in. Numbers are decoded with their text kept, so no value
// passes through float64 on its way to an integer or decimal column. When a
// key appears twice in an object the last one counts.
//
// Fields the schema lacks are dropped, as Firehose drops them. With
// Spec.KeepUnknown the top-level ones are kept instead, as one JSON object
// in the optional string column "_extra" ([ExtraColumn]), null when a
// record has none; unknown fields inside a struct are still dropped.
//
// Compression picks the codec of every column chunk (snappy by default, as
// Firehose); zstd pages are compressed with a [ParquetZstdWindow] window.
// An object is written as one row group.
//
// # How records are read
//
// The conversion is defined by decoding a record into map[string]any
// (encoding/json, numbers as json.Number) and walking the schema over it
// (convert.go); that path gives every error. A faster path (fastjson.go)
// shreds a record straight from its bytes into the schema's columns, with
// no map and no value per field, and takes only what it can read exactly
// as the map path does: a record with any error, a key written twice, a
// key with escapes or non-ASCII bytes, or deeper nesting than it follows
// goes to the map path, whose answer stands. A differential test and fuzz
// target (FuzzFastMatchesMap) check that both give the same rows.
package format
