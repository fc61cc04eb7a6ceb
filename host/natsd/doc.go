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
package natsd
