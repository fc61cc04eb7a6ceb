// Package format turns a batch of records into an object body: JSON lines
// as they are, or JSON records converted to Parquet rows by a declared
// schema, with gzip, snappy or zstd compression.
package format
