package streams

import (
	"strings"

	"github.com/nats-io/nats.go"
)

// SourceStream returns the JetStream stream holding a data stream's records
// and the subject filter matching every shard of it, past and future. A
// reader that consumes the stream in stream order with this filter sees
// each shard's records in order, and a parent shard's records before its
// children's (children only take records after the parent closed).
// Delivery streams read their data-stream sources this way.
func SourceStream(name string) (stream, filter string) {
	return jsName(name), subjectPrefix + token(name) + ".>"
}

// SourceSubjects are the subjects a reader of a data stream's whole
// JetStream stream consumes: its shards' (SourceStream's filter) and its
// reshard barriers', so that every stream sequence it skips is one it
// was never sent, never a record it cannot tell from one lost. A message
// for which IsBarrier holds is no record.
func SourceSubjects(name string) []string {
	_, filter := SourceStream(name)
	return []string{filter, fenceSubject(name)}
}

// IsBarrier reports whether a message of a data stream's JetStream stream
// is a reshard barrier (fence.go), not a record.
func IsBarrier(subject string) bool { return strings.HasPrefix(subject, fencePrefix) }

// SourceRecord is what a stored message says about its record.
type SourceRecord struct {
	ShardID        string
	PartitionKey   string
	SequenceNumber string
}

// DecodeSource reads a message of a data stream's JetStream stream: the
// shard id from its subject, the partition key from its header and the
// sequence number from its stream sequence.
func DecodeSource(subject string, header nats.Header, seq uint64) SourceRecord {
	shard := subject
	if i := strings.LastIndexByte(subject, '.'); i >= 0 {
		shard = subject[i+1:]
	}
	return SourceRecord{
		ShardID:        shard,
		PartitionKey:   unescapeKey(header.Get(HeaderPartitionKey)),
		SequenceNumber: FormatSequence(seq),
	}
}
