// Package natsd runs the NATS server with JetStream that Sluice embeds: file
// storage under a data directory, an optional client listener that takes
// only authenticated clients, and in-process connections for the rest of
// the host.
//
// One data directory has one server: Start takes an exclusive flock(2) on
// the directory's LOCK file before JetStream opens its store, writes the
// holder's pid, host name and start time into it, and holds it until
// Close. A second server on the same directory, in this process or
// another, is refused with a *DirInUseError naming the holder. The kernel
// drops the lock when the holder dies, even by kill -9, so a crash never
// leaves a stale lock. (Platforms without flock, such as Windows, take no
// lock; see lock_other.go.)
//
// # TLS
//
// With Config.TLS the client listener takes TLS connections only (nats-
// server's Options.TLSConfig, AllowNonTLS off): its INFO says
// tls_required, a client must trust the certificate's CA, and with
// ClientAuth tls.RequireAndVerifyClientCert it must present a certificate
// the configured client CAs signed. The URL is then tls://host:port.
// In-process connections (Connect) never do TLS and are not affected.
//
// # Storage
//
// The store has an explicit size limit (Config.MaxStore, a StoreLimit:
// bytes, or a percentage of what the store's files take plus what is free
// at start, DefaultMaxStorePercent by default), never JetStream's own
// default of 75 % of the space free at start, which shrinks as the store
// fills. At the limit JetStream refuses each write at once with
// "insufficient resources" and takes writes again when there is room.
//
// A disk that fills before the limit is different: nats-server keeps the
// write error of the stream that hit ENOSPC and never answers its
// publishers again, even once space is freed. The storage guard
// (storage.go) sees such errors, reports them (Server.StorageErr,
// Server.StorageFailing) so the host can refuse puts at once, and restarts
// JetStream in process once there is room again (twice the largest
// message), which clears them. Clients stay connected throughout (those
// that logged in with a user name or an nkey reconnect; see access.go).
//
// JetStream's file store keeps a message block (up to 8 MiB) in memory for
// a while after its last read or write; upstream nats-server fixes that at
// 10 s, so a delivery that follows ingest holds 10 s of it. Sluice builds
// with a patched nats-server (third_party/nats-server/PATCH.md) where it is
// a variable, and Start sets it to BlockCacheExpire (1 s) before the first
// server starts (cache.go).
//
// # Accounts and logins
//
// The server has three accounts (access.go, accounts.go). AccountSluice
// holds all that Sluice keeps; only Connect's in-process connections log
// into it, with a secret made at each start. AccountData is the data
// users': it has no JetStream of its own and imports from AccountSluice
// the data streams' subjects (Config.DataSubjects, live) and, for each
// data stream (Config.IsDataStream), its direct gets, message gets and
// stream info; the sharer (share.go) adds those imports for the streams
// that exist and for each one JetStream announces, and again after a
// reload. Data users get no consumers: a consumer lives in AccountSluice
// and can push to any subject there. AccountKV holds
// the key-value buckets modules read (ConnectKV); its users have every
// right there. A JetStream answer goes to whatever reply subject the
// request names, so a reader in the account of the streams could have an
// answer stored in any of them; across accounts the answer comes back to
// the reader's own account, where nothing of Sluice's is.
//
// Clients log in with a Credential (a token, a user and password, or an
// nkey) of a Role; with a listener, a role without one gets a token made
// once in the data directory (TokenFile, mode 0600). A store written
// before the accounts existed (nats-server's global account, "$G") is
// moved to AccountSluice at start.
//
// # Clusters
//
// Config.Cluster joins the server to a JetStream cluster (cluster.go): a
// cluster name, a node name unique in it, a route listener and the other
// nodes' routes. Routes always log in (RouteUser and a shared secret of
// at least MinClusterSecret bytes). nats-server starts routing only once
// a client listener is up, so a node with no Config.Listen gets a hidden
// one on a random loopback port that takes only Sluice's own logins.
// Start then waits for a JetStream meta leader (a quorum of the nodes)
// before anything is read or written. LoopbackClusters plans a cluster
// on one machine, for tests and trials.
//
// # Leaf node of a hub (edge to hub)
//
// Config.Leaf connects the server to a hub NATS cluster as a leaf node
// (leaf.go): the hub's leaf URLs, a NATS credentials file or a user with
// a password file (never a login in a URL), and TLS with the hub's CA.
// A leaf requires Config.JetStreamDomain: with the hub in another domain,
// nats-server denies $JS.API.> across the link both ways, so the edge's
// JetStream is its own and works offline, and a hub reaches it only with
// the prefix "$JS.<domain>.API". The connection is bound to AccountHub,
// which has no JetStream and imports from AccountSluice only what a hub's
// JetStream mirror of a data stream needs: per data stream (the sharer
// adds them as it adds the data account's) the consumer creates, the
// flow-control replies and stream info; the deliveries of mirror and
// source consumers ($JS.M.>, $JS.S.>); and the direct gets of
// Config.HubDirectGets (the streams' definitions). The hub cannot manage
// the edge's streams, read its buckets or publish on its shard subjects.
// nats-server redials a lost hub every LeafReconnect, forever;
// LeafConnected says whether the link is up. A server with a domain and
// no cluster is named "sluice-<domain>": a hub takes a second leaf with
// the server name of one it has for a stale duplicate and drops the
// first, so edges all named "sluice" would take turns.
//
// # Encryption at rest
//
// Config.Encryption turns on JetStream's own encryption of every stream,
// and so of every KV bucket and object store (see Encryption for how
// nats-server does it, how a plain store is converted and how a key is
// rotated). nats-server skips, with a log line, a stream it cannot
// decrypt; Start refuses instead (ErrUndecryptable), naming the streams,
// so a wrong or missing key never looks like an empty store that the host
// would then fill anew.
package natsd
