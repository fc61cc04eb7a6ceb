package modules

import (
	"errors"

	"github.com/sluice-io/sluice/runtime"
)

// Errors of the registry, matched with errors.Is.
var (
	// ErrNotFound: no such module, or no such version of it.
	ErrNotFound = errors.New("module not found")
	// ErrInvalidName: a module name outside [A-Za-z0-9_-]{1,64}.
	ErrInvalidName = errors.New("invalid module name")
	// ErrInvalidRef: a reference that is not "name" or "name@version".
	ErrInvalidRef = errors.New("invalid module reference")
	// ErrInvalidModule: the upload is not a module this host can run; the
	// error also wraps the runtime's reason (runtime.ErrNotWasm,
	// runtime.ErrUnknownABI, runtime.ErrUnsupportedABIVersion or
	// runtime.ErrInvalidModule).
	ErrInvalidModule = errors.New("invalid module")
	// ErrTooLarge: the upload is over the size limit.
	ErrTooLarge = errors.New("module too large")
	// ErrConflict: concurrent pushes of the same name kept taking the
	// version this push tried to claim; retrying the push is safe.
	ErrConflict = errors.New("version conflict")
)

// rejected is a failed module check: it is ErrInvalidModule and the
// runtime's reason at once, and reads as one message.
type rejected struct{ reason error }

func (e *rejected) Error() string {
	if errors.Is(e.reason, runtime.ErrInvalidModule) {
		return e.reason.Error() // already reads "invalid module: ..."
	}
	return ErrInvalidModule.Error() + ": " + e.reason.Error()
}

func (e *rejected) Unwrap() []error { return []error{ErrInvalidModule, e.reason} }
