// Package delivery runs delivery streams, Sluice's Firehose: it reads records
// from a direct-put JetStream stream or a data stream, buffers them, runs the
// processor module on each batch, encodes the result (JSON lines or Parquet)
// and delivers it to a folder, S3-compatible storage or an HTTP endpoint,
// acknowledging the source only once the destination holds it durably.
package delivery
