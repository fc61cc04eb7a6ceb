// Package parquetpipeline holds the test of the example in this folder:
// pipeline.yaml applied with the real sluice binary to a real server, and
// the Parquet it writes read back. The example itself is pipeline.yaml
// and README.md; this package has no code besides its test.
package parquetpipeline
