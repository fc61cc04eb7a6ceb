package firehose

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/jsretry"
)

// AWS exception names this API answers with.
const (
	ResourceNotFound   = "ResourceNotFoundException"
	ResourceInUse      = "ResourceInUseException"
	InvalidArgument    = "InvalidArgumentException"
	LimitExceeded      = "LimitExceededException"
	ServiceUnavailable = "ServiceUnavailableException"
	// ConcurrentModification answers an UpdateDestination whose
	// CurrentDeliveryStreamVersionId is no longer the current version.
	ConcurrentModification = "ConcurrentModificationException"
	Validation             = awsjson.TypeValidation
	Serialization          = awsjson.TypeSerialization
	InternalFailure        = awsjson.TypeInternalFailure
)

// kinds maps each delivery sentinel to its AWS exception name. This is the
// one place where manager errors become AWS errors.
var kinds = []struct {
	sentinel error
	name     string
	status   int
}{
	{delivery.ErrNotFound, ResourceNotFound, http.StatusBadRequest},
	{delivery.ErrExists, ResourceInUse, http.StatusBadRequest},
	{delivery.ErrInUse, ResourceInUse, http.StatusBadRequest},
	{delivery.ErrLimitExceeded, LimitExceeded, http.StatusBadRequest},
	{delivery.ErrConcurrentModification, ConcurrentModification, http.StatusBadRequest},
	{delivery.ErrInvalid, InvalidArgument, http.StatusBadRequest},
	{delivery.ErrNotDirectPut, InvalidArgument, http.StatusBadRequest},
	{delivery.ErrThrottled, ServiceUnavailable, http.StatusServiceUnavailable},
	{delivery.ErrClosed, ServiceUnavailable, http.StatusServiceUnavailable},
	{delivery.ErrStorageFull, ServiceUnavailable, http.StatusServiceUnavailable},
}

// awsError turns a manager error into an *awsjson.Error. Errors of no
// known kind pass through, and the mux answers them as InternalFailure.
func awsError(err error) error { return (&api{}).awsError(err) }

// awsError is awsError with the server's account, which AWS's not-found
// and already-exists messages name: "Firehose NAME under account
// 123456789012 not found.", where the manager says only the name.
func (a *api) awsError(err error) error {
	if err == nil {
		return nil
	}
	var already *awsjson.Error
	if errors.As(err, &already) {
		return err
	}
	for _, k := range kinds {
		if errors.Is(err, k.sentinel) {
			msg := message(err, k.sentinel)
			if delivery.ValidateName(msg) == nil && a.cfg.AccountID != "" {
				switch k.sentinel {
				case delivery.ErrNotFound:
					msg = "Firehose " + msg + " under account " + a.cfg.AccountID + " not found."
				case delivery.ErrExists:
					msg = "Firehose " + msg + " under account " + a.cfg.AccountID + " already exists."
				}
			}
			return &awsjson.Error{Type: k.name, Message: msg, Status: k.status}
		}
	}
	if jsretry.Unavailable(err) {
		// JetStream not answering now (an election, a lost majority):
		// AWS's temporary failure, which the SDKs retry.
		return &awsjson.Error{Type: ServiceUnavailable, Message: "The service is temporarily unavailable: " + err.Error(), Status: http.StatusServiceUnavailable}
	}
	return err
}

// errorName is the AWS exception name for err (InternalFailure if none), for
// PutRecordBatch's per-record ErrorCode.
func errorName(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.sentinel) {
			return k.name
		}
	}
	return InternalFailure
}

// message is the caller-facing message of a manager error: the text after
// the sentinel's own ("invalid argument: buffering size ..." says
// "buffering size ...").
func message(err, sentinel error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, sentinel.Error()+": "); ok {
		return rest
	}
	return msg
}
