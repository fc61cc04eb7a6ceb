//go:build linux || darwin || freebsd

package natsd

import (
	"io/fs"
	"syscall"
)

// freeBytes is the space an unprivileged writer may still use on the file
// system holding path.
func freeBytes(path string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// diskUsage is the space a file takes on disk: its allocated blocks, which
// is what the free space shrinks by (a sparse or preallocated file differs
// from its size).
func diskUsage(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return info.Size()
}
