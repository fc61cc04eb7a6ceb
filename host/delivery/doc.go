// Package delivery runs delivery streams, Sluice's Firehose: it reads records
// from a direct-put JetStream stream or a data stream, buffers them, runs the
// processor module on each batch, encodes the result (JSON lines or Parquet)
// and delivers it to a folder, S3-compatible storage or an HTTP endpoint, or
// forwards the records to a Kinesis data stream or a Firehose delivery
// stream (on AWS or another Sluice: sinks/kinesisdest), acknowledging the
// source only once the destination holds it durably.
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
//     A data stream with shard groups is several JetStream streams (its
//     parts), each read by a pipeline of its own with its own position,
//     "ppos.<g>.<name>" for part g > 0, intent and object names; a part
//     holds a shard's records until its ancestors' records in other parts
//     are delivered, so each key's order holds across reshards (parts.go).
//   - Leases live in the bucket "sluice_delivery_leases"
//     (Config.LeaseBucket), whose MaxAge is the lease TTL:
//     "lease.<name>" (the host running the delivery stream, with its
//     status report) and "host.<id>" (a host's presence).
//
// # Several hosts
//
// Every Manager opened on the same JetStream (every Sluice host of a
// cluster) answers for every delivery stream (Describe, List, Put,
// Create, Apply, Delete), and each delivery stream runs on exactly one of
// them: the one holding its lease (assign.go). A lease is a KV key taken
// with Create, renewed every Config.LeaseRenew (1 s) with Update at its
// revision, and gone LeaseTTL (4 s) after its last renewal, by the
// bucket's MaxAge; a graceful Close releases each lease as soon as its
// pipeline has drained. Each host watches the definitions (so it sees
// delivery streams created, updated and deleted elsewhere) and the lease
// bucket, says it is there with its own presence key, and keeps about
// ceil(delivery streams / hosts): it takes free leases while under that,
// and hands over what it has beyond it (drained first, then released). A
// host alone takes every lease at Open, at once. A killed host's work
// moves when its leases expire: about 5 s. Create holds the new delivery
// stream's lease from before it stores anything, and Delete takes the
// lease once the running host let it go, so a create or delete cut short
// is finished by whichever host takes the lease next (a host alone:
// before Open returns).
//
// A lease alone does not make a worker exclusive (a stalled host may not
// know it lost one), so the position is the fence: every position write
// is a compare-and-set on the revision the pipeline wrote last, and a
// pipeline's first act is to rewrite the position it read. From then on
// every write of an earlier holder fails (errFenced), and its pipeline
// stops without retrying. It can have written objects only for the batch
// of the intent it recorded last, which the new holder read when it
// fenced and replays first, to the same keys.
//
// Describe on a host that does not run the delivery stream reports the
// running host's status from its lease (Status.Host, Status.ReportedAt),
// and StatusUnassigned when no host runs it. A host exports the state,
// freshness and last-error gauges only for the delivery streams it runs;
// its counters count what it did, so sums over hosts are the totals.
//
// # Exactly-once output
//
// Before anything of a batch is written its range of source sequences (and
// the definition version and module version naming its objects) is written
// as the intent; object keys derive from that range (sinks/keys). The
// checkpoint moves past the batch only after every object (data, error
// output, backup) is durable. A restart first rebuilds exactly the intended
// batch and writes it again to the same keys, overwriting rather than
// duplicating, then reads on. A batch is built and processed (transformed,
// encoded) while the one before it is written, but its intent waits for
// that one's checkpoint: one intent at a time, at most two batches in
// memory.
//
// # Limits and checks
//
// Every bound of a definition is defined once (limits.go, or the runtime for
// a module's memory and timeout) and LimitTable lists them; validation,
// the Firehose API layer and the README's limits table all read those
// definitions. The most memory a processor may ask for is the Manager's
// runtime's ceiling (Runtime.MaxMemoryBytes).
//
// A processor's kvBuckets may name only the user's key-value buckets,
// never one of Sluice's own (runtime.CheckBucketGrant: names starting with
// "sluice_" or "sluice-"), which hold definitions with their secrets.
//
// Create and Apply (of a changed definition) then check what needs the
// host: the source stream exists; the processor's module loads, with the
// definition's limits and grants, as the pipeline will load it (and is
// closed again); and each destination is probed (ProbeTimeout each): a
// folder is created and written, an S3 bucket is asked for with HeadBucket,
// an HTTP endpoint is only connected to, a Kinesis or Firehose stream is
// described (only "no such stream" and an unknown key refuse). A
// definition that could never run (memory over the ceiling, a module that
// does not compile or does not fit its memory, no such bucket, access
// denied, a folder that cannot be written, no such stream) is refused with ErrInvalid and the reason. A destination that
// cannot be reached now is not refused: the definition returned carries a
// warning (Definition.Warnings, never stored) and a log line says it, and
// records wait in JetStream until it is back.
//
// # Secrets
//
// A definition's credentials (an S3, Kinesis or Firehose destination's
// access key id and secret access key, an HTTP endpoint's access key, those
// of an S3 error store) are stored as given, and never leave the
// Manager: Create, Apply and Describe return them as Mask ("****"), so the
// REST API, the CLI and the Firehose API cannot show them. Applying a
// definition that holds the mask keeps the stored value, as long as the
// destination it goes with (the S3 endpoint, the HTTP URL, the Kinesis or
// Firehose endpoint or AWS region) did not change;
// a mask with nothing to keep is refused. A credential may instead be a
// SecretRef: an environment variable named SLUICE_SECRET_* or a file in
// Config.SecretsDir, read (through an os.Root) each time the stages are
// built and at apply, never stored. An S3 destination signs with the
// host's own AWS credentials only when its definition sets
// useAmbientCredentials; without keys and without it, it is refused. An
// endpoint URL with user:password in it is refused.
//
// # Confinement
//
// Folder destinations are confined to Config.OutputRoot (confine.go): a
// relative path is taken under it, an absolute one must be inside it, ".."
// is refused, the existing part of the path is resolved and must stay
// inside, and no folder may be in or around Config.Forbidden (the
// server's store, cache and secrets). The folder store then resolves every
// write through an os.Root at the root, so a symbolic link made after
// apply cannot send a write out. HTTP and S3 endpoints are checked against
// Config.Egress (host/egress) at apply, and every connection the
// destinations make goes through its dialer, which checks the address
// after DNS. Names never become paths: a delivery stream's name is a file
// name's start and a KV key token (its dots as '=' when it would make an
// empty token, as ".." does).
//
// # Failures
//
// A folder or S3 destination that fails is retried with exponential backoff
// (Config.BackoffMin..BackoffMax) for ever while records wait in JetStream;
// an HTTP endpoint for its retry duration, then its records go to the error
// output as http-endpoint-failed. A Kinesis or Firehose destination
// (forward.go) that cannot be reached or answers 5xx is retried like a
// folder, for as long as it takes; records it throttles are retried, alone,
// for its retrySeconds, and records it refuses (ResourceNotFound,
// AccessDenied, validation, a record too large) or still throttles then go
// to the error output as delivery-failed with the stream's code
// ("Kinesis.AccessDeniedException"). Those destinations are at least once:
// a replayed batch sends again the records the stream had accepted. Records that the processor fails, whose
// invocation fails after its retries, that do not fit the Parquet schema or
// whose partition keys cannot be found go to the error output (JSON lines
// with Firehose's fields) under the error prefix; dropped ones are counted.
//
// A direct put on a full store (Deps.Storage, and JetStream's answers)
// fails with ErrStorageFull at once; Delete of a direct-put delivery stream
// on a full store deletes its records first, which frees their space, then
// its definition (fulldisk.go).
package delivery
