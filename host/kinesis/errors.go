package kinesis

import (
	"errors"
	"net/http"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/jsretry"
	"github.com/sluice-io/sluice/host/streams"
)

// AWS exception names this API answers with.
const (
	ResourceNotFound   = "ResourceNotFoundException"
	ResourceInUse      = "ResourceInUseException"
	InvalidArgument    = "InvalidArgumentException"
	ExpiredIterator    = "ExpiredIteratorException"
	LimitExceeded      = "LimitExceededException"
	Validation         = "ValidationException"
	ThroughputExceeded = "ProvisionedThroughputExceededException"
	InternalFailure    = "InternalFailure"
	// ServiceUnavailable is AWS's common error for "a temporary failure of
	// the server" (HTTP 503): Sluice answers it when its store is full and
	// when JetStream does not answer now (jsretry.Unavailable).
	ServiceUnavailable = "ServiceUnavailable"
)

// kinds maps each engine sentinel to its AWS exception name. This is the
// one place where engine errors become AWS errors.
var kinds = []struct {
	sentinel error
	name     string
}{
	{streams.ErrNotFound, ResourceNotFound},
	{streams.ErrInUse, ResourceInUse},
	{streams.ErrInvalidArgument, InvalidArgument},
	{streams.ErrExpiredIterator, ExpiredIterator},
	{streams.ErrLimitExceeded, LimitExceeded},
	{streams.ErrValidation, Validation},
	{streams.ErrThroughput, ThroughputExceeded},
	{streams.ErrStorageFull, ServiceUnavailable},
}

// statuses holds the HTTP status of the exceptions that are not 400.
var statuses = map[string]int{ServiceUnavailable: http.StatusServiceUnavailable}

// awsError turns an engine error into an *awsjson.Error. Errors of no
// known kind pass through, and the mux answers them as InternalFailure.
func awsError(err error) error {
	if err == nil {
		return nil
	}
	var already *awsjson.Error
	if errors.As(err, &already) {
		return err
	}
	name, status := errorKind(err)
	if name == InternalFailure {
		if jsretry.Unavailable(err) {
			// JetStream not answering now (an election, a lost majority):
			// AWS's temporary failure, which the SDKs retry.
			return &awsjson.Error{Type: ServiceUnavailable, Message: "The service is temporarily unavailable: " + err.Error(), Status: http.StatusServiceUnavailable}
		}
		return err
	}
	return &awsjson.Error{Type: name, Message: message(err), Status: status}
}

// errorName is the AWS exception name for err (InternalFailure if none).
func errorName(err error) string {
	name, _ := errorKind(err)
	return name
}

// errorKind is the AWS exception name and HTTP status for err
// (InternalFailure, 500 if none).
func errorKind(err error) (string, int) {
	for _, k := range kinds {
		if errors.Is(err, k.sentinel) {
			if status, ok := statuses[k.name]; ok {
				return k.name, status
			}
			return k.name, http.StatusBadRequest
		}
	}
	return InternalFailure, http.StatusInternalServerError
}

// message is the caller-facing message of an engine error.
func message(err error) string {
	var se *streams.Error
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}
