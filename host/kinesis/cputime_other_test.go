//go:build !unix

package kinesis

import "time"

// cpuTime is not measured here: cpu-µs/record reports 0.
func cpuTime() time.Duration { return 0 }
