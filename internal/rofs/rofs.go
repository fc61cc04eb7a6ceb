package rofs

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns an empty directory in which nothing can be created, undone
// on t.Cleanup.
func Dir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "read-only")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		mountReadOnly(t, dir)
		return dir
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) }) // so TempDir's cleanup can remove it
	return dir
}
