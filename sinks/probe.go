package sinks

import "fmt"

// ProbeError says why a destination failed a probe: a check, made before
// anything is delivered, that the destination could take objects as
// configured.
//
// Permanent is true only when the destination itself answered that it
// cannot, and will not without a change of configuration: no such bucket,
// access denied, a directory that cannot be created or written. Anything
// else (no answer at all, a timeout, a server error, a full disk) may clear
// by itself and is not permanent: a destination that is down when a
// delivery stream is created is what store and forward is for.
type ProbeError struct {
	// Dest names the destination, as its String method does.
	Dest      string
	Permanent bool
	Err       error
}

func (e *ProbeError) Error() string {
	if e.Permanent {
		return fmt.Sprintf("%s: %v", e.Dest, e.Err)
	}
	return fmt.Sprintf("%s: not reachable now: %v", e.Dest, e.Err)
}

// Unwrap returns the underlying error.
func (e *ProbeError) Unwrap() error { return e.Err }

// Retryable reports whether probing again may succeed (not Permanent).
func (e *ProbeError) Retryable() bool { return !e.Permanent }
