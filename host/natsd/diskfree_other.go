//go:build !(linux || darwin || freebsd)

package natsd

import (
	"errors"
	"io/fs"
)

// errNoStatfs: the free space of a file system is unknown on this OS.
var errNoStatfs = errors.New("free disk space is unknown on this system")

func freeBytes(string) (int64, error) { return 0, errNoStatfs }

func diskUsage(info fs.FileInfo) int64 { return info.Size() }
