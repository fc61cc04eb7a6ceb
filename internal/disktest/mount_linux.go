package disktest

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of size bytes on a new temporary directory and
// unmounts it when the test ends. It skips the test, saying why, only where
// no tmpfs can be mounted: not running as root, or the kernel refusing the
// mount for lack of privilege (an unprivileged container).
func Tmpfs(t testing.TB, size int64) string {
	t.Helper()
	if uid := os.Geteuid(); uid != 0 {
		t.Skipf("mounting a tmpfs needs root (running as uid %d)", uid)
	}
	dir := t.TempDir()
	err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size))
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		t.Skipf("mount tmpfs on %s: %v (root without CAP_SYS_ADMIN, as in an unprivileged container)", dir, err)
	}
	if err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
