// Package streams is the Kinesis-compatible data stream engine: sharded,
// ordered, retained streams stored in NATS JetStream.
//
// # Mapping onto JetStream
//
//   - One JetStream stream per data stream, named "KDS_<token>", file
//     storage, AllowDirect, MaxAge = the retention period.
//   - One subject per shard: "kds.<token>.<shardId>". A shard's order is its
//     subject's order; resharding adds subjects for child shards.
//   - <token> is the stream name with '.' replaced by '~': Kinesis names
//     ([a-zA-Z0-9_.-]) may contain '.', which JetStream names and subject
//     tokens cannot, and '~' cannot occur in a Kinesis name, so the mapping
//     is one to one.
//   - Definitions (shards with hash ranges, tags, retention, status,
//     creation time and a random creation identity) live in the KV bucket
//     "sluice_kinesis", key "streams.<name with '.' as '='>" (KV keys allow
//     '=' but not '~').
//   - A sequence number is the JetStream stream sequence, 20 digits zero
//     padded; it grows within a shard and sorts as text and as a number.
//   - The partition key and explicit hash key are message headers; the
//     arrival time is the JetStream message time.
//   - Reads are batch direct gets by subject: no consumer per reader, so
//     any number of readers never disturb each other.
//
// Create and delete go through the KV record first (status CREATING or
// DELETING); Open finishes any that a crash interrupted.
package streams
