package kinesisdest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrStopped: the caller's Wait said to stop waiting between attempts
// (a drain). Records not yet accepted are not; the caller sends the batch
// again later.
var ErrStopped = errors.New("kinesisdest: stopped between attempts")

// ErrRetriesExhausted is matched by a RecordError whose record was refused
// for now (throttled) on every attempt for the whole retry duration.
var ErrRetriesExhausted = errors.New("kinesisdest: retry duration exhausted")

// RecordError is why a record was not accepted, for good: the
// destination refused it (or its call) with an error retrying cannot cure,
// or kept throttling it for the whole retry duration, or the record can
// never be put (too large, a bad partition key).
type RecordError struct {
	// Code is the API's error code ("ResourceNotFoundException",
	// "ProvisionedThroughputExceededException"), or Sluice's for a record
	// refused before any call ("RecordTooLarge", "InvalidPartitionKey").
	Code string
	// Message is the destination's message, or Sluice's.
	Message string
	// Attempts counts the calls that carried the record.
	Attempts  int
	exhausted bool
}

func (e *RecordError) Error() string {
	s := e.Code + ": " + e.Message
	if e.exhausted {
		s = fmt.Sprintf("still refused after %d attempts over the retry duration: %s", e.Attempts, s)
	}
	return s
}

// Is matches ErrRetriesExhausted.
func (e *RecordError) Is(target error) bool { return target == ErrRetriesExhausted && e.exhausted }

// CallError is a failed call the Client tries again; OnRetry is told of
// it.
type CallError struct {
	// Dest names the destination.
	Dest string
	// Code is the API's error code, "" when it did not answer.
	Code string
	// StatusCode is the HTTP status, 0 when no answer came.
	StatusCode int
	// Records is how many records the call carried, Failed how many of
	// them were refused for now (all of them unless the call succeeded
	// with per-record failures).
	Records, Failed int
	Err             error
}

// Error says why in a few words, not the SDK's layers ("operation error
// Kinesis: PutRecords, exceeded maximum number of attempts, ..."): the
// API's code and message when it answered with one, the HTTP status when
// it answered without, the network's error when nothing answered.
func (e *CallError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%s: %d of %d records refused for now (%s)", e.Dest, e.Failed, e.Records, e.Code)
	}
	var api smithy.APIError
	if errors.As(e.Err, &api) && e.Code != "" && e.StatusCode != 0 && !genericCode(e.Code, e.StatusCode) {
		if msg := api.ErrorMessage(); msg != "" {
			return fmt.Sprintf("%s: %s: %s", e.Dest, e.Code, msg)
		}
		return fmt.Sprintf("%s: %s", e.Dest, e.Code)
	}
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s: answered HTTP %d", e.Dest, e.StatusCode)
	}
	var op *net.OpError
	if errors.As(e.Err, &op) {
		return fmt.Sprintf("%s: no answer: %v", e.Dest, op)
	}
	return fmt.Sprintf("%s: no answer: %v", e.Dest, e.Err)
}

// genericCode reports whether code is what the SDK makes up for an answer
// that named no error (its status text, "UnknownError"), which says less
// than the status itself.
func genericCode(code string, status int) bool {
	return code == "UnknownError" || code == "UnknownOperationException" ||
		strings.EqualFold(strings.ReplaceAll(code, " ", ""), strings.ReplaceAll(http.StatusText(status), " ", ""))
}

// Unwrap returns the SDK's error.
func (e *CallError) Unwrap() error { return e.Err }

// class is what to do with a failure.
type class int

const (
	// down: no answer, or a server error: retried for as long as it
	// takes (store and forward).
	down class = iota
	// throttled: the destination answered that it cannot take the
	// records now: retried for the retry duration.
	throttled
	// refused: retrying cannot help: the records go to the error output.
	refused
)

// throttleCodes are answers that say "not now" (HTTP 4xx for a call, or a
// per-record ErrorCode in a 200 answer).
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true, "LimitExceededException": true,
	"ThrottlingException": true, "Throttling": true, "ThrottledException": true,
	"KMSThrottlingException": true, "ResourceInUseException": true,
	"RequestLimitExceeded": true, "TooManyRequestsException": true,
	// Per-record codes of a 200 answer: Kinesis's InternalFailure,
	// Firehose's ServiceUnavailableException.
	"InternalFailure": true, "InternalFailureException": true, "ServiceUnavailableException": true,
	"InternalServerError": true, "ServiceUnavailable": true,
}

// classifyCall decides what a failed call means. The HTTP status decides
// first: no answer or a 5xx is the destination being down (however it
// names it); a 4xx is throttling when its code says so (or it is 408 or
// 429), else a refusal (ResourceNotFound, AccessDenied, validation, bad
// signature, unknown key...).
func classifyCall(ctx context.Context, dest string, err error, records int) (*CallError, class) {
	e := &CallError{Dest: dest, Records: records, Failed: records, Err: err}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = api.ErrorCode()
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		e.StatusCode = status.HTTPStatusCode()
	}
	switch {
	case ctx.Err() != nil:
		return e, down
	case e.StatusCode == 0 || e.StatusCode >= 500:
		return e, down
	case throttleCodes[e.Code] || e.StatusCode == 408 || e.StatusCode == 429:
		return e, throttled
	case e.StatusCode >= 400:
		return e, refused
	default:
		// 1xx-3xx that failed to decode, for one: a redirect is not
		// followed (the egress client refuses them), so the answer is
		// not the API's and retrying the same place will not help.
		return e, refused
	}
}

// classifyRecord decides what a per-record ErrorCode of a 200 answer means.
func classifyRecord(code string) class {
	if throttleCodes[code] {
		return throttled
	}
	return refused
}

// callMessage is the reason a refused call gives its records.
func callMessage(e *CallError) string {
	var api smithy.APIError
	if errors.As(e.Err, &api) && api.ErrorMessage() != "" {
		return api.ErrorMessage()
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Code
}
