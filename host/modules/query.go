package modules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/runtime"
)

// List returns every module with at least one version, sorted by name.
func (r *Registry) List(ctx context.Context) ([]Module, error) {
	all, err := r.versions(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	var out []Module
	for _, v := range all { // sorted by name, then version
		if n := len(out); n > 0 && out[n-1].Name == v.Name {
			out[n-1].Versions++
			out[n-1].Latest = v
			continue
		}
		out = append(out, Module{Name: v.Name, Versions: 1, Latest: v})
	}
	return out, nil
}

// Describe returns the versions of a module, oldest first, or ErrNotFound.
func (r *Registry) Describe(ctx context.Context, name string) ([]Version, error) {
	if err := ValidateName(name); err != nil {
		return nil, fmt.Errorf("describe: %w", err)
	}
	vs, err := r.versions(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("describe %s: %w", name, ErrNotFound)
	}
	return vs, nil
}

// Lookup returns the version a reference ("name" for the newest, or
// "name@version") names, without its bytes.
func (r *Registry) Lookup(ctx context.Context, ref string) (Version, error) {
	name, version, err := ParseRef(ref)
	if err != nil {
		return Version{}, err
	}
	if version == 0 {
		vs, err := r.versions(ctx, name)
		if err != nil {
			return Version{}, fmt.Errorf("look up %s: %w", ref, err)
		}
		if len(vs) == 0 {
			return Version{}, fmt.Errorf("look up %s: %w", ref, ErrNotFound)
		}
		return vs[len(vs)-1], nil
	}
	info, err := r.objects.GetInfo(ctx, objectName(name, version))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return Version{}, fmt.Errorf("look up %s: %w", ref, ErrNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("look up %s: %w", ref, err)
	}
	v, ok := versionOf(info)
	if !ok {
		return Version{}, fmt.Errorf("look up %s: object %s has no module metadata", ref, info.Name)
	}
	return v, nil
}

// Resolve returns the reference and the wasm of "name" (the newest
// version) or "name@version", or ErrNotFound.
func (r *Registry) Resolve(ctx context.Context, ref string) (runtime.Ref, []byte, error) {
	v, err := r.Lookup(ctx, ref)
	if err != nil {
		return runtime.Ref{}, nil, err
	}
	wasm, err := r.Fetch(ctx, v)
	if err != nil {
		return runtime.Ref{}, nil, err
	}
	return v.Ref(), wasm, nil
}

// Fetch returns the wasm of a version that Lookup found; the object
// store checks it against its digest. A version removed while it is read
// is ErrNotFound: the object store purges its chunks, and the read then
// waits for them until its timeout, so a failed read looks again.
func (r *Registry) Fetch(ctx context.Context, v Version) ([]byte, error) {
	obj := objectName(v.Name, v.Version)
	wasm, err := r.objects.GetBytes(ctx, obj)
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) && ctx.Err() == nil {
		if _, infoErr := r.objects.GetInfo(ctx, obj); errors.Is(infoErr, jetstream.ErrObjectNotFound) {
			err = infoErr
		}
	}
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("fetch %s: %w", v.Ref(), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", v.Ref(), err)
	}
	return wasm, nil
}

// versions returns the stored versions of name, or of every module when
// name is "", sorted by name and version.
func (r *Registry) versions(ctx context.Context, name string) ([]Version, error) {
	infos, err := r.objects.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, info := range infos {
		if name != "" && !strings.HasPrefix(info.Name, name+"@") {
			continue
		}
		if v, ok := versionOf(info); ok && (name == "" || v.Name == name) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Version) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return out, nil
}

// versionOf reads a Version from an object's metadata; ok is false for
// an object the registry did not write.
func versionOf(info *jetstream.ObjectInfo) (Version, bool) {
	if info == nil || info.Deleted {
		return Version{}, false
	}
	m := info.Metadata
	n, err := strconv.Atoi(m[metaVersion])
	if err != nil || m[metaName] == "" || objectName(m[metaName], n) != info.Name {
		return Version{}, false
	}
	return Version{
		Name:     m[metaName],
		Version:  n,
		SHA256:   m[metaSHA256],
		Size:     int64(info.Size),
		ABI:      m[metaABI],
		Uploaded: info.ModTime,
	}, true
}
