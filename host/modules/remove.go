package modules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/runtime"
)

// Remove deletes one version ("name@version") or every version ("name")
// of a module and returns the references it removed, or ErrNotFound.
// Removed version numbers are not handed out again.
func (r *Registry) Remove(ctx context.Context, ref string) ([]runtime.Ref, error) {
	name, version, err := ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("remove: %w", err)
	}
	var targets []int
	if version != 0 {
		targets = []int{version}
	} else {
		vs, err := r.versions(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("remove %s: %w", ref, err)
		}
		for _, v := range vs {
			targets = append(targets, v.Version)
		}
	}
	var removed []runtime.Ref
	for _, n := range targets {
		obj := objectName(name, n)
		// Delete marks even a deleted object deleted again; look first.
		_, err := r.objects.GetInfo(ctx, obj)
		if err == nil {
			err = r.objects.Delete(ctx, obj)
		}
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			continue // removed meanwhile, by another caller
		}
		if err != nil {
			return removed, fmt.Errorf("remove %s@%d: %w", name, n, err)
		}
		removed = append(removed, runtime.Ref{Name: name, Version: n})
		r.log.Info("module removed", slog.String("module", name), slog.Int("version", n))
	}
	if len(removed) == 0 {
		return nil, fmt.Errorf("remove %s: %w", ref, ErrNotFound)
	}
	return removed, nil
}
