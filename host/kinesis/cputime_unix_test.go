//go:build unix

package kinesis

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process (client and server both) has used,
// so that a benchmark can say what a record costs even on a machine busy
// with other work, where records/s falls with what the others take.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
