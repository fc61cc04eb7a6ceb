//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package natsd

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes flock(2)'s exclusive lock on f without blocking; false
// means another open file (in this process or another) holds it. The lock
// is tied to the open file description, so two servers in one process
// exclude each other too, and the kernel drops it when the holder dies.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		default:
			return false, err
		}
	}
}
