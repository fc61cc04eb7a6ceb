package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/sluice-io/sluice/host/streams"
)

// Mirrorer is what the mirror routes need of the data-stream engine.
type Mirrorer interface {
	CreateMirror(ctx context.Context, opts streams.MirrorOptions) (*streams.Stream, error)
	MirrorStatus(ctx context.Context, name string) (streams.MirrorStatus, error)
}

// Mirrors serves the hub's side of edge to hub: a read-only data stream
// mirroring a data stream of another JetStream domain (an edge's, over
// its leaf connection), and how far the copy has got.
//
//	POST /v1/mirrors          body: MirrorRequest; answers MirrorCreated
//	GET  /v1/mirrors/{name}   answers streams.MirrorStatus
type Mirrors struct {
	eng Mirrorer
	log *slog.Logger
}

// NewMirrors returns the mirror routes over eng.
func NewMirrors(eng Mirrorer, opts ...Option) (*Mirrors, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Mirrors{eng: eng, log: o.logger}, nil
}

// Register adds the routes to mux.
func (m *Mirrors) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/mirrors", m.create)
	mux.HandleFunc("GET /v1/mirrors/{name}", m.status)
}

// MirrorRequest asks for a mirror of stream Stream of JetStream domain
// Domain, named Name (default "<domain>.<stream>").
type MirrorRequest struct {
	Domain string `json:"domain"`
	Stream string `json:"stream"`
	Name   string `json:"name,omitempty"`
}

// MirrorCreated names the mirror made and its shards.
type MirrorCreated struct {
	StreamName string `json:"StreamName"`
	StreamARN  string `json:"StreamARN,omitempty"`
	Shards     int    `json:"Shards"`
}

// MaxMirrorRequestBytes caps the body of a mirror POST (three names).
const MaxMirrorRequestBytes = 16 << 10

// CodeInvalidMirror is the code of a mirror request that does not decode
// or names what cannot be mirrored.
const CodeInvalidMirror = "InvalidMirror"

// CodeLimitExceeded is the code of a mirror the shard limit has no room
// for.
const CodeLimitExceeded = "LimitExceeded"

var errInvalidMirror = errors.New("invalid mirror request")

func (m *Mirrors) create(w http.ResponseWriter, r *http.Request) {
	var req MirrorRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxMirrorRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.writeError(w, r, fmt.Errorf("%w: the limit is %d bytes", errTooLarge, MaxMirrorRequestBytes))
			return
		}
		m.writeError(w, r, fmt.Errorf("%w: %v", errInvalidMirror, err))
		return
	}
	s, err := m.eng.CreateMirror(r.Context(), streams.MirrorOptions{Domain: req.Domain, Stream: req.Stream, Name: req.Name})
	if err != nil {
		m.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, MirrorCreated{StreamName: s.Name, Shards: len(s.Shards)})
}

func (m *Mirrors) status(w http.ResponseWriter, r *http.Request) {
	st, err := m.eng.MirrorStatus(r.Context(), r.PathValue("name"))
	if err != nil {
		m.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (m *Mirrors) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeStreamsError(w, r, m.log, err, errors.Is(err, errInvalidMirror), CodeInvalidMirror)
}
