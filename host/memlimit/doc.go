// Package memlimit chooses the Go memory limit of `sluice serve`
// (debug.SetMemoryLimit): GOMEMLIMIT when the environment sets it, else
// `--memory-limit`, else a default derived from the server's buffer
// budgets and the memory the machine (or the process's cgroup) gives it.
//
// Without a limit the garbage collector lets the heap grow to twice what
// is live before it runs, and nats-server's block caches, let go after a
// few seconds but freed only by a collection, make the peak of a long
// delivery several times its working set. The limit makes the collector
// run before the heap passes it. It is a soft limit: when more is live,
// the collector runs more often (the runtime caps that at about half the
// CPU) and nothing fails.
package memlimit
