package runtime

import (
	"errors"
	"fmt"
)

// Errors about a module itself, from Inspect and Load.
var (
	// ErrNotWasm: the bytes are not a WebAssembly module, or do not decode
	// or compile as one.
	ErrNotWasm = errors.New("not a valid WebAssembly module")
	// ErrUnknownABI: the module is neither an SDK ABI module nor a WASI command.
	ErrUnknownABI = errors.New("module exports neither sluice_abi_version_1 nor _start")
	// ErrUnsupportedABIVersion: the module was built for another SDK ABI version.
	ErrUnsupportedABIVersion = errors.New("unsupported Sluice ABI version")
	// ErrInvalidModule: the module names an ABI but breaks it (a missing or
	// mistyped export, an import the host does not provide, too much memory).
	ErrInvalidModule = errors.New("invalid module")
	// ErrInvalidBatch: the batch itself is wrong (a repeated record id).
	ErrInvalidBatch = errors.New("invalid batch")
	// ErrClosed: the Runtime or Module was closed.
	ErrClosed = errors.New("closed")
)

// The kinds of transform failure, carried by *TransformError and matched
// with errors.Is.
var (
	// ErrTrap: the guest trapped (unreachable, out-of-bounds access, panic,
	// a bad pointer handed to a host function, a WASI exit in an SDK module).
	ErrTrap = errors.New("trap")
	// ErrTimeout: the call ran past its deadline and was stopped.
	ErrTimeout = errors.New("deadline exceeded")
	// ErrCanceled: the caller's context was canceled during the call.
	ErrCanceled = errors.New("canceled")
	// ErrOutputTooLarge: the answer exceeded the module's output cap.
	ErrOutputTooLarge = errors.New("output too large")
	// ErrMalformedOutput: the answer does not decode.
	ErrMalformedOutput = errors.New("malformed response")
	// ErrBadAnswer: the answer decodes but does not answer the batch (a
	// record answered twice, not answered, or an unknown id).
	ErrBadAnswer = errors.New("bad answer")
	// ErrGuest: the guest reported an error (sluice_transform returned 1, or
	// sluice_alloc could not allocate).
	ErrGuest = errors.New("guest error")
	// ErrABIViolation: the guest broke the calling convention (a return code
	// other than 0 or 1, no output, a buffer outside its memory).
	ErrABIViolation = errors.New("ABI violation")
	// ErrExit: a WASI command exited with a non-zero status.
	ErrExit = errors.New("non-zero exit")
	// ErrInstantiate: a new instance could not be created.
	ErrInstantiate = errors.New("instantiate")
)

// TransformError is a failed transform call. Error reads like
// `transform enrich@3: trap: wasm error: unreachable`.
type TransformError struct {
	Module  string
	Version int
	// Reason is the human-readable cause, as in sdk/ABI.md.
	Reason string
	// Err is the kind: one of the Err* sentinels of this package.
	Err error
	// cause is the underlying error (from wazero or the context), if any.
	cause error
}

// Error implements error.
func (e *TransformError) Error() string {
	return fmt.Sprintf("transform %s@%d: %s", e.Module, e.Version, e.Reason)
}

// Unwrap returns the kind and the underlying cause, so errors.Is matches
// both (for example ErrTimeout and context.DeadlineExceeded).
func (e *TransformError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.cause}
}
