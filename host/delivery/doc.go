// Package delivery runs delivery streams, Sluice's Firehose: it reads records
// from a direct-put JetStream stream or a data stream, buffers them, runs the
// processor module on each batch, encodes the result (JSON lines or Parquet)
// and delivers it to a folder, S3-compatible storage or an HTTP endpoint,
// acknowledging the source only once the destination holds it durably.
//
// # Mapping onto JetStream
//
//   - Definitions and positions live in the key-value bucket
//     "sluice_delivery": "def.<name>" (the Definition and its state) and
//     "pos.<name>" (the checkpoint and the intent of the batch in flight).
//   - A direct-put delivery stream has its own JetStream stream "FH_<name>"
//     (subject "fh.<name>", '.' in names as '~'); records are purged once
//     delivered, and MaxAge (Config.DirectPutMaxAge) is a safety net.
//   - A data-stream source is read directly: an ordered consumer over all
//     of its shard subjects, in stream order, so each shard's order holds.
//
// # Exactly-once output
//
// Before a batch is processed its range of source sequences (and the
// definition version naming its objects) is written as the intent; object
// keys derive from that range (sinks/keys). The checkpoint moves past the
// batch only after every object (data, error output, backup) is durable. A
// restart first rebuilds exactly the intended batch and writes it again to
// the same keys, overwriting rather than duplicating, then reads on.
//
// # Failures
//
// A folder or S3 destination that fails is retried with exponential backoff
// (Config.BackoffMin..BackoffMax) for ever while records wait in JetStream;
// an HTTP endpoint for its retry duration, then its records go to the error
// output as http-endpoint-failed. Records that the processor fails, whose
// invocation fails after its retries, that do not fit the Parquet schema or
// whose partition keys cannot be found go to the error output (JSON lines
// with Firehose's fields) under the error prefix; dropped ones are counted.
//
// A direct put on a full store (Deps.Storage, and JetStream's answers)
// fails with ErrStorageFull at once; Delete of a direct-put delivery stream
// on a full store deletes its records first, which frees their space, then
// its definition (fulldisk.go).
package delivery
