package folder

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/sluice-io/sluice/sinks"
)

// probePattern names the probe file: a dot file with the temporary marker,
// so Path refuses it as a key and RemoveTemp deletes it after a crash. A
// probe never leaves anything that looks like an object.
const probePattern = ".sluice-probe" + tempMarker + "*"

// Probe checks that dir can hold a Store's objects: it creates dir and its
// parents as New does (they stay), then creates, writes, syncs and removes
// a probe file in it. A failure is a *sinks.ProbeError, Permanent when the
// file system refused for a reason that will not clear by itself
// (permission denied, a read-only file system, a path through a file, a
// name too long) and not Permanent otherwise (a full disk, an I/O error).
func Probe(ctx context.Context, dir string, opts ...Option) error {
	name := "folder " + dir
	if err := ctx.Err(); err != nil {
		return &sinks.ProbeError{Dest: name, Err: err}
	}
	s, err := New(dir, opts...)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe // New's message names the folder again
		}
		return probeError(name, err)
	}
	return s.probe()
}

// probe writes and removes a probe file in the store's directory, through
// the store's root as Put does.
func (s *Store) probe() error {
	name := s.String()
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return probeError(name, err)
	}
	defer r.Close()
	f, tmpName, err := s.createTemp(r, s.rel, strings.TrimSuffix(probePattern, "*"))
	if err != nil {
		return probeError(name, err)
	}
	_, werr := f.Write([]byte("sluice probe\n"))
	if werr == nil {
		werr = s.syncFile(f)
	}
	cerr := f.Close()
	rerr := r.Remove(tmpName)
	if err := cmp.Or(werr, cerr, rerr); err != nil {
		return probeError(name, err)
	}
	return nil
}

// probeError classifies a file system error. An error without an errno
// comes from the store's own checks of its configuration: permanent.
func probeError(name string, err error) *sinks.ProbeError {
	var errno syscall.Errno
	permanent := !errors.As(err, &errno) || errors.Is(err, fs.ErrPermission) ||
		errno == syscall.EROFS || errno == syscall.ENOTDIR || errno == syscall.EISDIR ||
		errno == syscall.ENAMETOOLONG || errno == syscall.ELOOP || errno == syscall.EINVAL
	return &sinks.ProbeError{Dest: name, Permanent: permanent, Err: err}
}
