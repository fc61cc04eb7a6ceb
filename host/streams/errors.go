package streams

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the engine returns for a caller's mistake
// wraps exactly one of these (test with errors.Is); the API layer maps them
// to AWS exception names.
var (
	// ErrNotFound: the stream or shard does not exist.
	ErrNotFound = errors.New("resource not found")
	// ErrInUse: the stream exists already or is being created or deleted.
	ErrInUse = errors.New("resource in use")
	// ErrInvalidArgument: a value is well formed but not acceptable.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrExpiredIterator: the shard iterator is older than IteratorTTL.
	ErrExpiredIterator = errors.New("expired iterator")
	// ErrLimitExceeded: a resource limit (shards, tags) would be exceeded.
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrValidation: a field breaks its constraints (length, range, pattern).
	ErrValidation = errors.New("validation failed")
	// ErrThroughput: the record could not be accepted now; retry later.
	ErrThroughput = errors.New("throughput exceeded")
)

// Error is an engine error with a message meant for the API caller. It
// unwraps to its Kind, one of the sentinel errors.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel kind.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// validationf builds a ValidationException-style message for one field.
func validationf(value any, field, constraint string) error {
	return errorf(ErrValidation, "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}
