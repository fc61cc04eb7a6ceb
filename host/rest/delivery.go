package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/sluice-io/sluice/host/delivery"
)

// Routes of delivery streams (served by Delivery, next to the module routes):
//
//	PUT    /v1/delivery-streams/{name}   create or update (body: a delivery.Definition) -> 200
//	GET    /v1/delivery-streams          list, with each one's status
//	GET    /v1/delivery-streams/{name}   definition, status and counters
//	DELETE /v1/delivery-streams/{name}   delete
//
// Errors: 400 InvalidDefinition (the message says which rule), 404
// NotFound, 409 Conflict (being created or deleted), 413 TooLarge,
// 503 Unavailable (shutting down), 500 otherwise.

// Error codes of the delivery routes.
const (
	CodeInvalidDefinition = "InvalidDefinition"
	CodeUnavailable       = "Unavailable"
)

// MaxDefinitionBytes caps the body of a PUT: a definition with its Parquet
// schema is a few KiB.
const MaxDefinitionBytes = 1 << 20

// DeliveryManager is what the delivery routes need of host/delivery's Manager.
type DeliveryManager interface {
	Apply(ctx context.Context, def delivery.Definition) (*delivery.Definition, bool, error)
	Delete(ctx context.Context, name string) error
	Describe(ctx context.Context, name string) (*delivery.Definition, delivery.Status, error)
	List(ctx context.Context) ([]string, error)
}

var _ DeliveryManager = (*delivery.Manager)(nil)

// Delivery serves the delivery stream routes.
type Delivery struct {
	mgr DeliveryManager
	log *slog.Logger
}

// NewDelivery returns the delivery stream routes over mgr. Of the options
// only WithLogger applies.
func NewDelivery(mgr DeliveryManager, opts ...Option) (*Delivery, error) {
	if mgr == nil {
		return nil, errors.New("rest: NewDelivery needs a delivery manager")
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Delivery{mgr: mgr, log: o.logger}, nil
}

// Register adds the routes to mux.
func (d *Delivery) Register(mux *http.ServeMux) {
	mux.HandleFunc("PUT /v1/delivery-streams/{name}", d.apply)
	mux.HandleFunc("GET /v1/delivery-streams", d.list)
	mux.HandleFunc("GET /v1/delivery-streams/{name}", d.describe)
	mux.HandleFunc("DELETE /v1/delivery-streams/{name}", d.delete)
}

// DeliveryApplied answers a PUT: the definition as stored (defaults
// filled), whether anything changed, and whether it was created.
type DeliveryApplied struct {
	Definition delivery.Definition `json:"definition"`
	Changed    bool                `json:"changed"`
	Created    bool                `json:"created"`
}

// DeliveryStream answers GET /v1/delivery-streams/{name}.
type DeliveryStream struct {
	Definition delivery.Definition `json:"definition"`
	Status     delivery.Status     `json:"status"`
}

// DeliveryList answers GET /v1/delivery-streams.
type DeliveryList struct {
	DeliveryStreams []DeliveryStream `json:"deliveryStreams"`
}

// errInvalidDefinition marks a PUT body that is not a definition.
var errInvalidDefinition = errors.New("invalid definition")

func (d *Delivery) apply(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxDefinitionBytes))
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	var def delivery.Definition
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&def); err != nil {
		d.writeError(w, r, fmt.Errorf("%w: %v", errInvalidDefinition, err))
		return
	}
	if def.Name == "" {
		def.Name = name
	}
	if def.Name != name {
		d.writeError(w, r, fmt.Errorf("%w: the body names %q, the path %q", errInvalidDefinition, def.Name, name))
		return
	}
	out, changed, err := d.mgr.Apply(r.Context(), def)
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DeliveryApplied{Definition: *out, Changed: changed, Created: changed && out.Version <= 1})
}

func (d *Delivery) list(w http.ResponseWriter, r *http.Request) {
	names, err := d.mgr.List(r.Context())
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	out := DeliveryList{DeliveryStreams: make([]DeliveryStream, 0, len(names))}
	for _, name := range names {
		def, st, err := d.mgr.Describe(r.Context(), name)
		if errors.Is(err, delivery.ErrNotFound) {
			continue // deleted since List
		}
		if err != nil {
			d.writeError(w, r, err)
			return
		}
		out.DeliveryStreams = append(out.DeliveryStreams, DeliveryStream{Definition: *def, Status: st})
	}
	writeJSON(w, http.StatusOK, out)
}

func (d *Delivery) describe(w http.ResponseWriter, r *http.Request) {
	def, st, err := d.mgr.Describe(r.Context(), r.PathValue("name"))
	if err != nil {
		d.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DeliveryStream{Definition: *def, Status: st})
}

func (d *Delivery) delete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := d.mgr.Delete(r.Context(), name); err != nil {
		d.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": name})
}

// classifyDelivery maps the delivery manager's errors to a status and a
// code, and falls back to classify for the rest.
func classifyDelivery(err error) (int, string) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, delivery.ErrNotFound):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, delivery.ErrInvalid), errors.Is(err, errInvalidDefinition):
		return http.StatusBadRequest, CodeInvalidDefinition
	case errors.Is(err, delivery.ErrExists):
		return http.StatusConflict, CodeConflict
	case errors.Is(err, delivery.ErrClosed):
		return http.StatusServiceUnavailable, CodeUnavailable
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	}
	return classify(err)
}

func (d *Delivery) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := classifyDelivery(err)
	if status == http.StatusInternalServerError {
		d.log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	// The code says the error is invalid; the message says why.
	msg := strings.TrimPrefix(err.Error(), delivery.ErrInvalid.Error()+": ")
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}
