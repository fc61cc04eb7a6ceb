package rest

import (
	"fmt"
	"io"
	"net/http"

	"github.com/sluice-io/sluice/host/modules"
)

// push stores the request body as the next version of {name}. The body is
// capped without reading it whole: a Content-Length over the limit is
// refused at once, and the reader stops one byte past it.
func (a *API) push(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := modules.ValidateName(name); err != nil {
		a.writeError(w, r, err)
		return
	}
	limit := a.reg.MaxSize()
	if r.ContentLength > limit {
		a.writeError(w, r, fmt.Errorf("push %s: %w: %d bytes; the limit is %d bytes", name, modules.ErrTooLarge, r.ContentLength, limit))
		return
	}
	wasm, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			err = fmt.Errorf("push %s: %w: the limit is %d bytes", name, modules.ErrTooLarge, limit)
		}
		a.writeError(w, r, err)
		return
	}
	v, err := a.reg.Push(r.Context(), name, wasm)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, versionJSON(v))
}

func (a *API) list(w http.ResponseWriter, r *http.Request) {
	mods, err := a.reg.List(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := ModuleList{Modules: make([]ModuleSummary, len(mods))}
	for i, m := range mods {
		out.Modules[i] = ModuleSummary{Name: m.Name, Versions: m.Versions, Latest: versionJSON(m.Latest)}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) describe(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	vs, err := a.reg.Describe(r.Context(), name)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := ModuleDescription{Name: name, Versions: make([]ModuleVersion, len(vs))}
	for i, v := range vs {
		out.Versions[i] = versionJSON(v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) removeAll(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := modules.ValidateName(name); err != nil { // "name@3" is not a name here
		a.writeError(w, r, err)
		return
	}
	a.remove(w, r, name)
}

func (a *API) removeVersion(w http.ResponseWriter, r *http.Request) {
	name, version := r.PathValue("name"), r.PathValue("version")
	if err := modules.ValidateName(name); err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := modules.ParseVersion(version); err != nil {
		a.writeError(w, r, fmt.Errorf("%w: %w", modules.ErrInvalidRef, err))
		return
	}
	a.remove(w, r, name+"@"+version)
}

// remove removes ref and closes what invoke had loaded of it.
func (a *API) remove(w http.ResponseWriter, r *http.Request, ref string) {
	removed, err := a.reg.Remove(r.Context(), ref)
	a.loaded.forget(removed) // also after a partial failure
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Removed{Removed: refsJSON(removed)})
}
