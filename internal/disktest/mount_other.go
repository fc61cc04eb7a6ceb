//go:build !linux

package disktest

import (
	"runtime"
	"testing"
)

// Tmpfs skips the test: tmpfs mounts are Linux's.
func Tmpfs(t testing.TB, size int64) string {
	t.Helper()
	t.Skipf("tmpfs mounts need Linux (this is %s)", runtime.GOOS)
	return ""
}

// Free skips the test (see Tmpfs).
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	t.Skipf("disk tests need Linux (this is %s)", runtime.GOOS)
	return 0
}

// Fill skips the test (see Tmpfs).
func Fill(t testing.TB, dir string, leave int64) string {
	t.Helper()
	t.Skipf("disk tests need Linux (this is %s)", runtime.GOOS)
	return ""
}
