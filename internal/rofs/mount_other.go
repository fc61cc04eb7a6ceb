//go:build !linux

package rofs

import "testing"

func mountReadOnly(t testing.TB, dir string) {
	t.Helper()
	t.Skipf("rofs: running as root, which permission bits do not stop, and mounting a read-only file system on %s is only done on Linux", dir)
}
