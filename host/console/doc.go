// Package console is Sluice's web console, served by `sluice serve` at
// /console on the API listener: data streams with their shards, lineage,
// incoming rates and consumer lag; delivery streams with their state, last
// error, freshness, throughput, recent objects and an error output browser;
// modules with their versions and ABI and a form that runs a sample through
// one; a live tail of a shard; and charts of the last hour.
//
// The pages are rendered on the server with html/template; one small
// script (the tail's polling and the charts' refresh) and one stylesheet
// are embedded in the binary. Nothing is fetched from elsewhere, and a
// Content-Security-Policy keeps it so.
//
// # Who may see it
//
// With access keys configured, a browser logs in with an access key id
// and its secret (the console cannot sign requests with SigV4 as the SDKs
// do). The session is an HttpOnly, SameSite=Strict cookie (Secure over
// TLS) holding the key id, an expiry SessionTTL away and an HMAC under a
// key the server makes at random when it starts, so a forged or altered
// cookie is refused, a restart or a change of the key's secret ends every
// session, and no secret is ever in the cookie. Each page checks what it
// shows against the key's grants, as the API would for the same call
// (kinesis:ListStreams, firehose:DescribeDeliveryStream,
// sluice:InvokeModule...). A form post must carry the session's CSRF
// token; host/auth's browser guard refuses any cross-origin request before
// the console sees it. Without keys the server listens on loopback only
// (unless --insecure-no-auth), and the console is open, as the APIs are.
//
// # Charts
//
// A [Sampler] reads selected metric families of the server's Prometheus
// registry every DefaultSampleEvery into a ring of DefaultSamplePoints
// samples per series (an hour), at most DefaultMaxSeries series: bounded,
// in memory, and gone at a restart. [DefaultFamilies] lists the families;
// a family the registry does not have is just absent from the charts.
package console
