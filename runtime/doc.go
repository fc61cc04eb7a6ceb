// Package runtime runs Sluice transforms: WebAssembly modules that turn a
// batch of records into one result per record, the way a Firehose
// data-transformation Lambda does.
//
// It is the host side of sdk/ABI.md. One [Runtime] per host owns one wazero
// runtime and an on-disk compilation cache; [Runtime.Inspect] classifies a
// module (SDK ABI v1 or WASI command) without running it; [Runtime.Load]
// gives a [Module] whose [Module.Transform] runs one batch:
//
//   - SDK ABI v1 modules are called once per batch in warm instances kept in
//     a bounded pool, with the compact binary encoding of ABI.md, written
//     straight into the buffer the guest's sluice_alloc returns (one copy);
//     answers are matched to records by position, by id only when out of
//     order;
//   - WASI commands run in a fresh instance per batch, with the Firehose
//     JSON event on stdin and the response on stdout.
//
// Every instance is sandboxed: no files, no network, only the environment
// the module is granted, a memory cap, a deadline per call and an output
// cap. The runtime owns the bounds of these limits ([Runtime.MaxMemoryBytes],
// [MaxTimeout], [DefaultMaxOutputBytes]): callers that validate a module's
// limits before loading it ask the runtime rather than keep numbers of their
// own. Host functions (log, kv_get on JetStream key-value buckets) are
// granted per module; Sluice's own buckets never are ([CheckBucketGrant],
// [IsReservedBucket]). What a module logs (the log host function, stdout
// and stderr together) is bounded per call by [MaxLogLinesPerCall] and
// [MaxLogBytesPerCall], each line by [MaxLogLineBytes]; past the budget
// lines are dropped and one warning per call counts them, and the call
// goes on. Every failure is a [*TransformError] naming the module,
// its version and the reason, with a sentinel for its kind.
//
// [Runtime.Collector] serves Prometheus metrics by module and version
// (metrics.go): calls by result and their duration, instances, their limit
// and their memory; a version's series go when its last load closes.
//
// The Firehose JSON event and response codecs ([DecodeEvent],
// [EncodeResponse], ...) are exported for tools that speak that format.
package runtime
