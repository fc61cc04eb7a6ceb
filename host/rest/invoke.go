package rest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/sluice-io/sluice/runtime"
)

// invoke runs a Firehose data-transformation event (the body) through
// {ref} on the server and answers the Firehose response. Each env=K=V
// query parameter grants the module one parameter. The module is loaded
// with the runtime's default limits and kept loaded for the next call.
func (a *API) invoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	env, err := parseEnv(r.URL.Query()["env"])
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if r.ContentLength > a.maxEventBytes {
		a.writeError(w, r, fmt.Errorf("%w: event of %d bytes; the limit is %d bytes", errTooLarge, r.ContentLength, a.maxEventBytes))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxEventBytes))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out, ref, err := a.Invoke(ctx, r.PathValue("ref"), env, body)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Sluice-Module", ref.String())
	_, _ = w.Write(out)
}

// Invoke runs a Firehose data-transformation event through the module ref
// names, as POST /v1/modules/{ref}/invoke does (the web console's "test
// with a sample" calls it directly), and returns the Firehose response and
// the version that ran. The caller bounds the event's size (MaxEventBytes).
func (a *API) Invoke(ctx context.Context, ref string, env map[string]string, event []byte) ([]byte, runtime.Ref, error) {
	batch, err := runtime.DecodeEvent(event)
	if err != nil {
		return nil, runtime.Ref{}, fmt.Errorf("%w: %w", errInvalidEvent, err)
	}
	v, err := a.reg.Lookup(ctx, ref)
	if err != nil {
		return nil, runtime.Ref{}, err
	}
	m, release, err := a.loaded.get(ctx, v.Ref(), env, func() ([]byte, error) { return a.reg.Fetch(ctx, v) })
	if err != nil {
		return nil, v.Ref(), err
	}
	defer release()
	resp, err := m.Transform(ctx, batch)
	if err != nil {
		return nil, v.Ref(), err
	}
	out, err := runtime.EncodeResponse(resp)
	return out, v.Ref(), err
}

// MaxEventBytes is the largest event Invoke is given by the API.
func (a *API) MaxEventBytes() int64 { return a.maxEventBytes }

// parseEnv reads env=K=V query values into the module's environment.
func parseEnv(pairs []string) (map[string]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	env := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: env %q is not KEY=VALUE", errInvalidEvent, p)
		}
		env[k] = v
	}
	return env, nil
}

// envKey is a canonical form of env, part of the key of a loaded module.
func envKey(env map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(env)) {
		fmt.Fprintf(&b, "%q=%q;", k, env[k])
	}
	return b.String()
}
