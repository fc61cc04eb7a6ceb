package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/runtime"
)

// Defaults for the options.
const (
	// DefaultMaxLoaded is how many module versions invoke keeps loaded.
	DefaultMaxLoaded = 16
	// DefaultMaxEventBytes caps a test event: 6 MiB, Lambda's limit on a
	// synchronous invocation's payload.
	DefaultMaxEventBytes = 6 << 20
)

// Option configures an API.
type Option func(*options) error

type options struct {
	logger        *slog.Logger
	maxLoaded     int
	maxEventBytes int64
}

// WithLogger sets the logger. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithMaxLoaded sets how many module versions (with their parameters)
// invoke keeps loaded; the least recently used is closed beyond that.
func WithMaxLoaded(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("WithMaxLoaded: %d is less than 1", n)
		}
		o.maxLoaded = n
		return nil
	}
}

// WithMaxEventBytes caps the body of an invoke request.
func WithMaxEventBytes(n int64) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("WithMaxEventBytes: %d is less than 1", n)
		}
		o.maxEventBytes = n
		return nil
	}
}

// API serves the REST routes. Close it to close the modules it loaded.
type API struct {
	reg           *modules.Registry
	log           *slog.Logger
	loaded        *loadedModules
	maxEventBytes int64
}

// New returns the API over a registry, running invocations on rt.
func New(reg *modules.Registry, rt *runtime.Runtime, opts ...Option) (*API, error) {
	if reg == nil || rt == nil {
		return nil, errors.New("rest: New needs a registry and a runtime")
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return &API{
		reg:           reg,
		log:           o.logger,
		loaded:        newLoadedModules(rt, o.maxLoaded),
		maxEventBytes: o.maxEventBytes,
	}, nil
}

// buildOptions applies opts over the defaults.
func buildOptions(opts []Option) (options, error) {
	o := options{maxLoaded: DefaultMaxLoaded, maxEventBytes: DefaultMaxEventBytes}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Register adds the routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/modules/{name}", a.push)
	mux.HandleFunc("GET /v1/modules", a.list)
	mux.HandleFunc("GET /v1/modules/{name}", a.describe)
	mux.HandleFunc("DELETE /v1/modules/{name}", a.removeAll)
	mux.HandleFunc("DELETE /v1/modules/{name}/versions/{version}", a.removeVersion)
	mux.HandleFunc("POST /v1/modules/{ref}/invoke", a.invoke)
}

// Close closes every module invoke loaded; calls in flight are stopped.
func (a *API) Close(ctx context.Context) error {
	return a.loaded.close(ctx)
}
