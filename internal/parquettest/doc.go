// Package parquettest reads Parquet files in tests with Apache Arrow's Go
// implementation, independent of the parquet-go library that writes them,
// and turns their rows into plain Go values to compare field by field.
package parquettest
