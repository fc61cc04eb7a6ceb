// Package host is the Sluice server: it starts the embedded NATS server with
// JetStream (which takes the data directory's lock, see host/natsd), opens
// the data-stream engine on it, and serves the AWS-compatible APIs, the
// native REST API, /metrics and the probes on one HTTP listener.
//
// # TLS
//
// With Config.TLS (`sluice serve --tls-cert --tls-key`, optionally
// --tls-client-ca) the files are read and checked by host/tlsconf before
// anything else starts, so bad files fail Open with a message naming the
// flag and leave the data directory untouched. The HTTP listener then
// takes TLS 1.2 or later only and offers HTTP/2 and HTTP/1.1 by ALPN (a
// plain-HTTP request gets net/http's 400); the NATS client listener takes
// TLS only with the same certificate (host/natsd); with a client CA both
// require a client certificate it signed. The TLS handshake is bounded by
// the listener's shortest timeout (ReadHeaderTimeout); failed handshakes
// are logged as warnings with component=http. Certificates are read once:
// a renewed certificate takes a restart. Without TLS the listener is plain
// HTTP/1.1, as before.
//
// # Security
//
// With access keys ([SecurityConfig].Keys), every request to the AWS APIs,
// the REST API and /metrics must carry a valid SigV4 signature of a key
// allowed to do it (host/auth). Without keys, Open refuses to listen on an
// address other machines can reach unless InsecureNoAuth, and logs at
// WARN that authentication is off. Either way, requests a browser makes
// for another site (a Host that is not the server's, a foreign Origin)
// are refused. The guards run inside the request limiters.
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
// sluice_http_requests_rejected_total show them at work. [MemoryBudget]
// sums the buffer budgets a server delivering one stream fills; `sluice
// serve` derives its default Go memory limit from it (host/memlimit).
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
//
// # Metrics
//
// /metrics gathers one registry: the AWS API's requests by operation and
// error code with their latency (apimetrics.go, wrapped once around the
// "/" route, in front of the caps and the signature check), the data
// streams' and the runtime's collectors, the delivery streams', the
// request caps' and the store's; the README's Metrics section lists them.
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
//
// # Clusters
//
// With Config.Cluster the embedded server joins a JetStream cluster (see
// natsd.Cluster; routes take TLS with the server's certificate), and with
// Config.NATS the host runs on NATS servers it does not run (see
// host/natsclient; the settings of a server of its own are then refused).
// Either way everything Sluice keeps (data streams, direct-put streams,
// buckets, the module store) is kept in Config.Replicas copies, 3 by
// default on a cluster, and several hosts serve the same streams: every
// host answers every call, resharding is fenced in JetStream
// (host/streams), and each delivery stream runs on one host at a time,
// by a lease, with its positions written by compare-and-set
// (host/delivery). The host's ID among them is its node name or the one
// kept in DATA_DIR/host-id (hostid.go). GET /v1/cluster (ClusterStatus)
// says where everything is.
//
// # Edge to hub
//
// With Config.Leaf the embedded server is a leaf node of a hub in its own
// JetStream domain (Config.JetStreamDomain), bound to an account that
// lets the hub mirror data streams and nothing more (natsd.AccountHub);
// a hub host makes those mirrors (POST /v1/mirrors, streams.CreateMirror).
package host
