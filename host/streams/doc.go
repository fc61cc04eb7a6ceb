// Package streams is the Kinesis-compatible data stream engine: sharded,
// ordered, retained streams stored in NATS JetStream.
//
// # Mapping onto JetStream
//
//   - One JetStream stream per data stream, named "KDS_<token>", file
//     storage, AllowDirect, MaxAge = the retention period.
//   - One subject per shard: "kds.<token>.<shardId>". A shard's order is its
//     subject's order. The JetStream stream takes exactly the open shards'
//     subjects and the stream's barrier subject "kdsfence.<token>" (see
//     Resharding); streams made before that took "kds.<token>.>" until
//     their first reshard.
//   - <token> is the stream name with '.' replaced by '~': Kinesis names
//     ([a-zA-Z0-9_.-]) may contain '.', which JetStream names and subject
//     tokens cannot, and '~' cannot occur in a Kinesis name, so the mapping
//     is one to one.
//   - Definitions (shards with hash ranges and lineage, tags, retention,
//     status, mode, creation time and a random creation identity) live in the KV bucket
//     "sluice_kinesis", key "streams.<name with '.' as '='>" (KV keys allow
//     '=' but not '~'); the iterator key is "secrets.iterator-hmac" there.
//   - A sequence number is the JetStream stream sequence, 20 digits zero
//     padded; it grows within a shard and sorts as text and as a number.
//   - Shard groups (groups.go): a stream created with Groups N > 1 has N
//     JetStream streams ("KDS_<token>", "KDS_<token>=g1", ...), shard i in
//     part i mod N, each part with its own barrier subject; its sequence
//     numbers are 35 digits carrying the shard's generation and part above
//     the part's sequence, so children still sort above parents. A mirror
//     of a grouped stream has the same parts; delivery streams read
//     one-part streams only.
//   - The partition key and explicit hash key are message headers; the
//     arrival time is the JetStream message time.
//   - Reads are batch direct gets by subject: no consumer per reader, so
//     any number of readers never disturb each other.
//   - Native NATS data users may read the same way: IsDataStream and
//     DataSubjects tell host/natsd which streams and subjects to share with
//     them; nothing else of Sluice's is.
//
// Create and delete go through the KV record first (status CREATING or
// DELETING); Open finishes any that a crash interrupted. A delete marks
// the definition DELETING (compare-and-set), then fences every shard off
// and takes a barrier as a reshard does (below), then deletes the
// JetStream stream: a put on any host either lands before the delete or
// is refused as not found; a put or read that finds the JetStream stream
// gone (deleted by another host) is not found too, never an internal
// failure.
//
// # Definitions cache
//
// Puts and reads do not fetch and decode a definition (whose size grows
// with the shard history) each time: defs.go keeps one decoded
// definition per stream, with its router of open shards (a binary search
// over their hash ranges), at the newest KV revision this process has
// seen. A KV watcher on the definition keys feeds it with every host's
// writes; this process's own writes enter it at the revision the KV gave
// them before the writer returns, and an entry only moves forward. A put
// routed by a definition older than another host's reshard is refused by
// the reshard's fence and routed again (below). Closed shards whose records
// are all past retention are pruned from the definition (prune.go), by
// the background loop and at each reshard, as AWS drops them from
// ListShards; shard ids are never reused.
//
// # Shard iterators
//
// An iterator token names stream (and its creation identity), shard,
// position and issue time, authenticated by a truncated HMAC-SHA256 under
// a 32-byte key kept in the definitions bucket (created once with
// kv.Create, so every host on one JetStream shares it). A token that was
// changed, made under another key or by an older version is
// InvalidArgument "Invalid ShardIterator."; its issue time cannot be
// forged to escape IteratorTTL.
//
// # A full store
//
// A put publishes its records through the engine's Publisher
// (publisher.go): one reply subscription for every put, no timer or
// future per record, each record's own acknowledgement read for its
// sequence number (JetStream's batch publish answers only the last), and
// the records in flight bounded by PublishMaxPending and
// PublishMaxPendingBytes. A record not acknowledged by the put's deadline
// fails with ErrThroughput; one JetStream refuses for a full store with
// ErrStorageFull.
//
// A put on a store that is full (JetStream's size limit reached, or the
// disk full and JetStream wedged by the write error, as Config.Storage
// reports) fails with ErrStorageFull at once, never as a throttling error
// after a timeout (storage.go). DeleteStream on a full store cannot write
// DELETING first, so it deletes the records first, which frees their
// space, and then the definition (fulldisk.go).
//
// # Resharding and order per partition key
//
// SplitShard, MergeShards and UpdateShardCount (reshard.go) close parent
// shards and open children on new subjects. The JetStream stream sequence
// is global across a data stream's shards, so a reshard commits at one
// sequence B: parents close with EndingSequence B, children open with
// StartingSequence B+1. A reader that finishes each parent before its
// children therefore sees each key's records in put order; so does any
// reader of the whole JetStream stream in stream order (SourceStream), as
// delivery streams read.
//
// A reshard is two compare-and-set updates of the definition: the plan is
// recorded first (status UPDATING, Stream.Pending), then committed. No
// lock of any process orders puts against it; JetStream fences them, for
// every host that puts (fence.go): the switch updates the JetStream
// stream's subjects (parents out, children in), so a record published to
// a parent from then on is refused at once ("no responders"); it
// publishes a barrier on the barrier subject, whose sequence B is above
// every record JetStream took before the update (its inbound queue and,
// on a cluster, the RAFT log are first in first out); and it commits at B
// for the generation the plan was made on. The host whose record was
// refused waits for the definition that closed the shard and puts the
// record again on the child that holds its hash key, in request order,
// at most maxReroutes times within rerouteWait; a record whose new shard
// does not come fails with ErrThroughput. RATIONALE.md ("Resharding
// across hosts") says what JetStream guarantees and what is left.
//
// Every step of the switch can be repeated, by the same host after a
// crash (Open finishes an UPDATING stream, or rolls back a plan that no
// longer fits) or by another at the same time: a change that has kept a
// stream UPDATING for StuckAfter is finished by any host's maintenance
// loop. A retention change holds the stream UPDATING too
// (Stream.PendingRetention), since it rewrites the same JetStream
// configuration. A put that timed out waiting for its acknowledgement
// (and was reported failed) may still have been stored: a producer that
// puts it again may store it twice, as on AWS.
//
// # Memory of reads
//
// GetRecords answers (up to MaxGetBytes each) are bounded server wide by
// Config.MaxReadBytes (readbudget.go): a read takes its bytes from the
// budget first come first served, reads fewer records when less than a
// full answer is free, waits briefly when less than two records' worth
// is free and then fails with ErrThroughput, and gives them back with
// ReadResult.Release once its answer is written. After a burst of reads
// goes idle the engine returns the heap to the operating system.
//
// # Throughput and on-demand scaling
//
// Per-shard throughput limits (throughput.go) are off by default at the
// edge; Config.Limits or a stream's TagThroughput tag turns them on, and
// over-limit records fail with ErrThroughput; the limits are counted per
// host (N hosts admit up to N times a shard's limit). ON_DEMAND streams
// (ondemand.go) are rescaled by a background loop from their write rate,
// within bounds and a cool-down their definition sets; the rate is the
// whole cluster's, measured from the JetStream stream's state (the growth
// of its last sequence, and its mean stored message size), so every host
// sees the same and the first to reshard wins.
//
// # Mirrors (edge to hub)
//
// CreateMirror (mirror.go) makes a data stream that is a JetStream mirror
// of a data stream in another JetStream domain, an edge's reached over a
// leaf connection: the JetStream stream "KDS_<token>" has no subjects and
// mirrors the source's through the API prefix "$JS.<domain>.API", with a
// subject transform from the source's shard subjects to its own, so it
// keeps the source's sequence numbers and reads as any stream. Its
// definition (Stream.Mirror) starts from the source's, read by direct get
// on the source's definitions bucket (DefinitionDirectGets, all the edge
// shares of that bucket), and SyncMirrors (every Config.MirrorSync)
// takes each newer revision: the edge's reshards. A mirror is read-only:
// puts, reshards, mode and record-size changes are ErrInUse; its
// retention is its own. It is named "<domain>.<stream>" by default, so
// the streams of several edges never collide. MirrorStatus reports the
// records held, what JetStream skipped because the edge no longer had it
// (Missed), JetStream's lag and last contact, and the source's last
// sequence asked now (the backlog while the mirror waits to resume).
//
// # Enhanced fan-out
//
// Consumers (consumers.go) are one KV key per stream in the definitions
// bucket, "consumers.<name>", holding the stream's identity and its
// consumers (at most MaxConsumers), changed by compare-and-set, so they
// survive restarts and a stream created again under the name starts with
// none. A consumer's status comes from its times: CREATING for
// ConsumerTransition after registration, then ACTIVE; DELETING for
// ConsumerTransition after deregistration, then gone. Its ARN is the
// stream's plus "/consumer/NAME:EPOCH-SECONDS", as AWS forms it.
//
// A subscription (subscribe.go) reads its shard as GetRecords does,
// woken by a headers-only ordered JetStream consumer on the shard's
// subject, and holds a lease (leases.go: one key per consumer and shard in
// the "sluice_kinesis_subscriptions" bucket) that enforces AWS's rule of
// one subscription per consumer and shard: a second within
// SubscriptionTakeover of the first is ErrInUse, a later one takes over.
// Each event's bytes come from the read budget shared with GetRecords.
//
// Engine.Collector serves Prometheus series: stream-level ones for every
// stream (streammetrics.go: records and bytes in and out, iterator age)
// and the shard-level ones of enhanced monitoring (monitoring.go).
package streams
