// Package host is the Sluice server: it starts the embedded NATS server with
// JetStream, opens the data-stream engine on it, and serves the AWS-compatible
// APIs, the native REST API and /metrics on one HTTP listener.
package host
