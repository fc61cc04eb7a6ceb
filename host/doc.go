// Package host is the Sluice server: it starts the embedded NATS server with
// JetStream, opens the data-stream engine on it, and serves the AWS-compatible
// APIs, the native REST API and /metrics on one HTTP listener.
//
// The embedded server's storage guard is the data streams' and the delivery
// streams' Storage, so a full store fails puts at once and deletes free
// space; /metrics shows the store's limit, use and whether it takes writes.
package host
