//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package natsd

import "os"

// tryLock on platforms without flock(2) (Windows, Solaris, plan9, wasm)
// takes no lock: the lock file still records the holder, but a second
// server on the same data directory is not refused. Sluice ships for Linux
// (and builds on macOS); a port would use LockFileEx or fcntl here.
func tryLock(*os.File) (bool, error) { return true, nil }
