package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// Object metadata keys.
const (
	metaName    = "module"
	metaVersion = "version"
	metaSHA256  = "sha256"
	metaABI     = "abi"
)

// Push checks wasm and stores it as the next version of name. A module
// that fails a check stores nothing; the error is ErrInvalidName,
// ErrTooLarge or ErrInvalidModule (wrapping the runtime's reason).
func (r *Registry) Push(ctx context.Context, name string, wasm []byte) (Version, error) {
	if err := ValidateName(name); err != nil {
		return Version{}, fmt.Errorf("push: %w", err)
	}
	if int64(len(wasm)) > r.cfg.MaxSize {
		return Version{}, fmt.Errorf("push %s: %w: %d bytes; the limit is %d bytes", name, ErrTooLarge, len(wasm), r.cfg.MaxSize)
	}
	info, err := r.rt.Inspect(ctx, wasm)
	if err != nil {
		if ctx.Err() != nil {
			return Version{}, fmt.Errorf("push %s: %w", name, ctx.Err())
		}
		return Version{}, fmt.Errorf("push %s: %w", name, &rejected{reason: err})
	}
	v := Version{Name: name, SHA256: info.SHA256, Size: int64(len(wasm)), ABI: info.Kind.String()}
	if v.Version, err = r.claim(ctx, name); err != nil {
		return Version{}, fmt.Errorf("push %s: %w", name, err)
	}
	obj, err := r.objects.Put(ctx, jetstream.ObjectMeta{
		Name: objectName(name, v.Version),
		Metadata: map[string]string{
			metaName:    name,
			metaVersion: strconv.Itoa(v.Version),
			metaSHA256:  v.SHA256,
			metaABI:     v.ABI,
		},
	}, bytes.NewReader(wasm))
	if err != nil {
		// The claimed number stays unused: numbers are never handed out twice.
		return Version{}, fmt.Errorf("push %s: store version %d: %w", name, v.Version, err)
	}
	v.Uploaded = obj.ModTime
	r.log.Info("module pushed", slog.String("module", name), slog.Int("version", v.Version),
		slog.Int64("size", v.Size), slog.String("abi", v.ABI), slog.String("sha256", v.SHA256))
	return v, nil
}

// claim takes the next version number of name with a compare-and-set on
// its counter, and makes sure no object (not even a deleted one) already
// has that number, in case the counter is behind the objects.
func (r *Registry) claim(ctx context.Context, name string) (int, error) {
	for range claimAttempts {
		var next int
		e, err := r.counter.Get(ctx, name)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			next = 1
			_, err = r.counter.Create(ctx, name, []byte("1"))
		case err != nil:
			return 0, fmt.Errorf("read version counter: %w", err)
		default:
			last, perr := strconv.Atoi(string(e.Value()))
			if perr != nil {
				return 0, fmt.Errorf("version counter of %s holds %q", name, e.Value())
			}
			next = last + 1
			_, err = r.counter.Update(ctx, name, []byte(strconv.Itoa(next)), e.Revision())
		}
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // another push took this number; read the counter again
		}
		if err != nil {
			return 0, fmt.Errorf("claim a version: %w", err)
		}
		_, err = r.objects.GetInfo(ctx, objectName(name, next), jetstream.GetObjectInfoShowDeleted())
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return next, nil
		}
		if err != nil {
			return 0, fmt.Errorf("check version %d: %w", next, err)
		}
		r.log.Warn("module version counter was behind its objects; skipping a number",
			slog.String("module", name), slog.Int("version", next))
	}
	return 0, fmt.Errorf("%w: gave up after %d attempts to claim a version", ErrConflict, claimAttempts)
}
