// Package natsd runs the NATS server with JetStream that Sluice embeds: file
// storage under a data directory, an optional client listener, and an
// in-process connection for the rest of the host.
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
// message), which clears them. Clients stay connected throughout.
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
