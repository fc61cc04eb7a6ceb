package rofs

import (
	"syscall"
	"testing"
)

// mountReadOnly mounts a small read-only tmpfs on dir until t ends.
func mountReadOnly(t testing.TB, dir string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, "size=64k"); err != nil {
		t.Skipf("rofs: running as root, and mounting a read-only tmpfs on %s failed (%v): no read-only directory can be made here", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("rofs: unmount %s: %v", dir, err)
		}
	})
}
