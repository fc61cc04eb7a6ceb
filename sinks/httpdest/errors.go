package httpdest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrRetriesExhausted: Deliver tried for the whole retry duration.
var ErrRetriesExhausted = errors.New("http endpoint delivery retries exhausted")

// Error is a failed delivery.
type Error struct {
	RequestID string
	// StatusCode is the endpoint's HTTP status, 0 when it did not answer.
	StatusCode int
	// Message says what went wrong; it includes the endpoint's
	// errorMessage when it sent one.
	Message string
	// Attempts is how many requests were made.
	Attempts int
	// Err is the underlying error (network, decoding), or nil.
	Err error

	exhausted bool
	ctxDone   bool // the caller's context ended
	permanent bool // the request itself is bad (empty id, unencodable)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "http endpoint request %s", e.RequestID)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (%d attempts)", e.Attempts)
	}
	b.WriteString(": " + e.Message)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrRetriesExhausted when Deliver gave up.
func (e *Error) Is(target error) bool { return target == ErrRetriesExhausted && e.exhausted }

// Retryable reports whether sending again may succeed: true for every
// endpoint failure (Firehose retries them all), false when the caller's
// context ended.
func (e *Error) Retryable() bool {
	return !e.ctxDone && !e.permanent
}

// RequestID derives a request id, shaped like a UUID, from parts (for
// example the delivery stream's name and the batch's first and last source
// positions): the same parts always give the same id.
func RequestID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\x00", len(p), p)
	}
	s := hex.EncodeToString(h.Sum(nil))
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}
