// Package natsclient connects a Sluice host to a NATS server it does not
// run: an existing NATS cluster given by `sluice serve --nats-url`.
//
// The connection logs in with a credentials file (a decorated JWT .creds
// file or an nkey seed) or a token file, verifies the servers with a CA
// file, and can present a client certificate. It reconnects forever:
// a host whose cluster is away waits for it, as it would for its own
// embedded server. Config.Check refuses what cannot work before anything
// connects, and Connect checks that the account has JetStream.
//
// Sluice keeps all its state in the account the login maps to: data
// streams, the definitions and positions buckets, the module store. The
// buckets modules read with kv_get are in the same account; names starting
// with "sluice" are never granted to a module (runtime.IsReservedBucket),
// so a module cannot read Sluice's own state there.
package natsclient
