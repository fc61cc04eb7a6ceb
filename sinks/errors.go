package sinks

import "errors"

// Retryable reports whether writing again may succeed. An error (or one it
// wraps) with a Retryable() bool method decides; any other error counts as
// transient, so a destination that fails in a way nobody classified is
// retried (store and forward) rather than given up on.
func Retryable(err error) bool {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return true
}

// Permanent wraps err as an error that writing again will not cure (a key
// the destination can never hold, for example). It unwraps to err.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Retryable() bool { return false }

// KeyChecker is implemented by stores that can tell, before any write,
// whether a key is one they can ever hold (its length, its characters).
// The delivery engine checks each object's key with it while it builds a
// batch, so a record whose partition value makes an impossible key goes to
// the error output instead of failing the batch.
type KeyChecker interface {
	CheckKey(key string) error
}
