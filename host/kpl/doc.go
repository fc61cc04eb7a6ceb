// Package kpl reads and writes records in the Kinesis Producer Library's
// aggregated format: the magic bytes F3 89 9A C2, a protobuf
// AggregatedRecord (kpl.proto, the KPL's own message; kpl.pb.go is
// generated from it by gen.sh), then the MD5 of the protobuf bytes.
//
// Deaggregate follows the Kinesis Client Library (AggregatorUtil) and
// awslabs/kinesis-aggregation: data that does not start with the magic,
// is too short to hold a digest, whose digest does not match or whose
// protobuf does not parse is not a container, and is taken as one plain
// record. Unlike the KCL, a container whose records point outside its key
// tables is taken as a plain record too, instead of losing the records
// after the bad one; and no record is dropped for a hash key outside a
// shard's range (the KCL's filter for resharded streams), since a delivery
// stream reads every shard.
//
// Each user record keeps its own partition key and explicit hash key, and
// its index in the container is its subsequence number.
package kpl

//go:generate bash gen.sh
