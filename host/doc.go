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
// # NATS access
//
// The NATS client listener takes only clients that log in
// (Config.NATSCredentials, or the tokens natsd makes in the data
// directory). Data users read the data streams and nothing else: Sluice's
// own streams and buckets are in an account of their own. The runtime's
// kv_get reads the key-value account, where key-value users keep the
// tables modules are granted (see host/natsd).
//
// # Storage
//
// The embedded server's storage guard is the data streams' and the delivery
// streams' Storage, so a full store fails puts at once and deletes free
// space; /metrics shows the store's limit, use and whether it takes writes.
package host
