// Package host is the Sluice server: it starts the embedded NATS server with
// JetStream (which takes the data directory's lock, see host/natsd), opens
// the data-stream engine on it, and serves the AWS-compatible APIs, the
// native REST API, /metrics and the probes on one HTTP listener.
//
// # Probes
//
// /healthz is the liveness check: it answers "ok" while the process
// serves. /readyz is the readiness check: 200 when JetStream answers a
// request (its account information, within ReadyJetStreamTimeout) and no
// delivery stream is failing, 503 otherwise; its body says which, in text
// or, with ?format=json or Accept: application/json, as a [Readiness].
//
// # Bounds
//
// The listener has read, write and idle timeouts and a cap on header
// bytes ([HTTPLimits], defaults in the Default* constants). API requests
// (the AWS APIs and /v1) are capped at HTTPLimits.MaxInFlight at once; up
// to MaxQueued more wait up to QueueWait for a slot, and the rest are
// answered HTTP 503 in their protocol's shape, which the AWS SDKs retry
// (see rejectAPI). The probes and /metrics have their own cap,
// MaxInFlightProbes. The gauges sluice_http_requests_in_flight and
// sluice_http_requests_queued and the counter
// sluice_http_requests_rejected_total show them at work.
//
// # Storage
//
// The embedded server's storage guard is the data streams' and the delivery
// streams' Storage, so a full store fails puts at once and deletes free
// space; /metrics shows the store's limit, use and whether it takes writes.
//
// # Confinement and encryption
//
// Delivery streams' folders are confined to Config.OutputRoot (the data
// directory's buckets/ by default, which also holds the Firehose API's
// buckets), outside the JetStream store, the compilation cache and the
// secrets directory (Config.SecretsDir, DataDir/secrets, made with mode
// 0700); their endpoints to Config.AllowEndpoints (confine.go). With
// Config.Encryption the store is encrypted at rest and the Kinesis API
// says so.
package host
