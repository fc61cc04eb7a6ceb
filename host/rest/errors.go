package rest

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/sluice-io/sluice/host/jsretry"
	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/runtime"
)

// Error codes of ErrorDetail.
const (
	CodeInvalidName       = "InvalidName"
	CodeInvalidRef        = "InvalidReference"
	CodeInvalidModule     = "InvalidModule"
	CodeInvalidEvent      = "InvalidEvent"
	CodeNotFound          = "NotFound"
	CodeConflict          = "Conflict"
	CodeTooLarge          = "TooLarge"
	CodeTransformFailed   = "TransformFailed"
	CodeInvalidStreamMode = "InvalidStreamMode"
	CodeInternal          = "InternalError"
)

// Errors of the API itself.
var (
	// errInvalidEvent marks a test event (or its parameters) that does not decode.
	errInvalidEvent = errors.New("invalid event")
	// errTooLarge marks a request body over its limit.
	errTooLarge = errors.New("request too large")
)

// classify maps an error to its status and code: the one place where the
// API decides what each error of the registry and runtime means to a client.
func classify(err error) (int, string) {
	var te *runtime.TransformError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &te):
		return http.StatusUnprocessableEntity, CodeTransformFailed
	case errors.Is(err, modules.ErrNotFound):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, modules.ErrInvalidName):
		return http.StatusBadRequest, CodeInvalidName
	case errors.Is(err, modules.ErrInvalidRef):
		return http.StatusBadRequest, CodeInvalidRef
	case errors.Is(err, modules.ErrInvalidModule):
		return http.StatusBadRequest, CodeInvalidModule
	case errors.Is(err, errInvalidEvent), errors.Is(err, runtime.ErrInvalidBatch):
		return http.StatusBadRequest, CodeInvalidEvent
	case errors.Is(err, modules.ErrTooLarge), errors.Is(err, errTooLarge), errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	case errors.Is(err, modules.ErrConflict):
		return http.StatusConflict, CodeConflict
	case unavailable(err):
		return http.StatusServiceUnavailable, CodeUnavailable
	}
	return http.StatusInternalServerError, CodeInternal
}

// unavailable is jsretry.Unavailable: JetStream not answering now.
func unavailable(err error) bool { return jsretry.Unavailable(err) }

// writeError answers err as JSON; server-side failures are logged.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := classify(err)
	if status == http.StatusInternalServerError {
		a.log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: err.Error()}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
