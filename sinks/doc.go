// Package sinks holds what a delivery stream writes with: encoders (JSON
// lines, Parquet) and compression in sinks/format, object naming in
// sinks/keys, and destinations (sinks/folder, sinks/s3, sinks/httpdest).
// This package declares the small interfaces they share.
package sinks
