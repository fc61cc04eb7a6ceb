package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/sluice-io/sluice/host/streams"
)

// StreamModeSetter is what the stream-mode route needs of the data-stream
// engine.
type StreamModeSetter interface {
	SetStreamMode(ctx context.Context, name, mode string, policy *streams.OnDemandPolicy) error
}

// StreamModes serves what the Kinesis API has no field for: the bounds and
// cool-down of an ON_DEMAND stream's automatic scaling.
//
//	PUT /v1/streams/{name}/mode   body: StreamModeRequest
type StreamModes struct {
	eng StreamModeSetter
	log *slog.Logger
}

// NewStreamModes returns the stream-mode route over eng.
func NewStreamModes(eng StreamModeSetter, opts ...Option) (*StreamModes, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &StreamModes{eng: eng, log: o.logger}, nil
}

// Register adds the route to mux.
func (s *StreamModes) Register(mux *http.ServeMux) {
	mux.HandleFunc("PUT /v1/streams/{name}/mode", s.put)
}

// StreamModeRequest sets a stream's capacity mode. For ON_DEMAND, the other
// fields bound the automatic scaling; zero fields take the server's defaults.
type StreamModeRequest struct {
	Mode      string  `json:"mode"` // PROVISIONED or ON_DEMAND
	MinShards int     `json:"minShards,omitempty"`
	MaxShards int     `json:"maxShards,omitempty"`
	ScaleUp   float64 `json:"scaleUp,omitempty"`   // fraction of capacity that triggers growth
	ScaleDown float64 `json:"scaleDown,omitempty"` // fraction below which it shrinks
	Cooldown  string  `json:"cooldown,omitempty"`  // a Go duration, e.g. "5m"
}

// errInvalidMode marks a body that is not a StreamModeRequest.
var errInvalidMode = errors.New("invalid stream mode request")

// MaxStreamModeBytes caps the body of a stream-mode PUT (a few numbers).
const MaxStreamModeBytes = 64 << 10

func (s *StreamModes) put(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > MaxStreamModeBytes {
		s.writeError(w, r, fmt.Errorf("%w: body of %d bytes; the limit is %d bytes", errTooLarge, r.ContentLength, MaxStreamModeBytes))
		return
	}
	var req StreamModeRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxStreamModeBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, fmt.Errorf("%w: the limit is %d bytes", errTooLarge, MaxStreamModeBytes))
			return
		}
		s.writeError(w, r, fmt.Errorf("%w: %v", errInvalidMode, err))
		return
	}
	var policy *streams.OnDemandPolicy
	if req.Mode == streams.ModeOnDemand {
		p := streams.OnDemandPolicy{MinShards: req.MinShards, MaxShards: req.MaxShards, ScaleUp: req.ScaleUp, ScaleDown: req.ScaleDown}
		if req.Cooldown != "" {
			d, err := time.ParseDuration(req.Cooldown)
			if err != nil {
				s.writeError(w, r, fmt.Errorf("%w: cooldown: %v", errInvalidMode, err))
				return
			}
			p.Cooldown = d
		}
		policy = &p
	}
	if err := s.eng.SetStreamMode(r.Context(), r.PathValue("name"), req.Mode, policy); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

func (s *StreamModes) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeStreamsError(w, r, s.log, err, errors.Is(err, errInvalidMode), CodeInvalidStreamMode)
}

// writeStreamsError answers an error of the data-stream engine (or of a
// route over it) as JSON: invalid (the route's own bad-request errors) or
// the engine's invalid arguments get invalidCode; server-side failures
// are logged. The one place the routes over host/streams decide what its
// errors mean to a client.
func writeStreamsError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, invalid bool, invalidCode string) {
	status, code := http.StatusInternalServerError, CodeInternal
	switch {
	case errors.Is(err, streams.ErrNotFound):
		status, code = http.StatusNotFound, CodeNotFound
	case errors.Is(err, streams.ErrInUse):
		status, code = http.StatusConflict, CodeConflict
	case invalid, errors.Is(err, streams.ErrInvalidArgument), errors.Is(err, streams.ErrValidation):
		status, code = http.StatusBadRequest, invalidCode
	case errors.Is(err, streams.ErrLimitExceeded):
		status, code = http.StatusBadRequest, CodeLimitExceeded
	case errors.Is(err, streams.ErrThroughput), errors.Is(err, streams.ErrStorageFull):
		status, code = http.StatusServiceUnavailable, CodeUnavailable
	case errors.Is(err, errTooLarge):
		status, code = http.StatusRequestEntityTooLarge, CodeTooLarge
	case unavailable(err):
		status, code = http.StatusServiceUnavailable, CodeUnavailable
	}
	if status == http.StatusInternalServerError {
		log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: err.Error()}})
}
