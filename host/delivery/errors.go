package delivery

import (
	"errors"
	"fmt"

	"github.com/sluice-io/sluice/host/streams"
)

// Sentinel errors. Every error the Manager returns for a caller's mistake
// wraps one of these (test with errors.Is); the Firehose API layer maps
// them to AWS exception names.
var (
	// ErrNotFound: no delivery stream of that name (ResourceNotFoundException).
	ErrNotFound = errors.New("delivery stream not found")
	// ErrExists: a delivery stream of that name exists already
	// (ResourceInUseException).
	ErrExists = errors.New("delivery stream already exists")
	// ErrInvalid: the definition or the request breaks a rule
	// (InvalidArgumentException).
	ErrInvalid = errors.New("invalid argument")
	// ErrNotDirectPut: records were put to a delivery stream whose source
	// is a data stream (InvalidArgumentException in Firehose).
	ErrNotDirectPut = errors.New("delivery stream is not a DirectPut stream")
	// ErrThrottled: the record could not be accepted now; retry it
	// (ServiceUnavailableException).
	ErrThrottled = errors.New("throttled")
	// ErrInUse: the delivery stream is being created or deleted
	// (ResourceInUseException).
	ErrInUse = errors.New("delivery stream in use")
	// ErrLimitExceeded: a limit of the delivery stream (its tags) would be
	// exceeded (LimitExceededException).
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrConcurrentModification: an update named a version of the
	// definition that is no longer the current one
	// (ConcurrentModificationException).
	ErrConcurrentModification = errors.New("delivery stream changed concurrently")
	// ErrClosed: the Manager was closed.
	ErrClosed = errors.New("delivery manager closed")
	// ErrStorageFull: JetStream's store is full or failing, so records or
	// definitions cannot be written now (ServiceUnavailableException). It
	// is the data streams' sentinel: one condition, one value.
	ErrStorageFull = streams.ErrStorageFull
)

// invalidf builds an ErrInvalid error with a message for the caller.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
