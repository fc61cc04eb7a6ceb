package folder

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/sluice-io/sluice/sinks"
)

// Default permissions of what the store creates.
const (
	DefaultFileMode fs.FileMode = 0o644
	DefaultDirMode  fs.FileMode = 0o755
)

// tempMarker is in the name of every temporary file; RemoveTemp removes
// files whose name starts with "." and contains it.
const tempMarker = ".tmp-"

// Limits of a key, from the file system (Linux's NAME_MAX and PATH_MAX).
const (
	// MaxSegmentBytes is the longest directory name a key may have.
	MaxSegmentBytes = 255
	// MaxFileNameBytes is the longest file name (a key's last segment):
	// the temporary file written first is named "." + name + ".tmp-" and
	// up to 10 random digits, and must fit in MaxSegmentBytes too.
	MaxFileNameBytes = MaxSegmentBytes - len(".") - len(tempMarker) - 10
	// MaxPathBytes bounds the whole path of an object's file.
	MaxPathBytes = 4095
)

// ErrInvalidKey: the key would not name a file inside the folder. Errors
// wrapping it are permanent (sinks.Retryable reports false): writing the
// same key again cannot succeed.
var ErrInvalidKey = errors.New("invalid object key")

// Error is a failed write of one object. Retryable tells a failure that
// may clear (a full disk, permissions, a file in the way) from one that
// cannot (a name too long for the file system).
type Error struct {
	Key string
	Op  string // "mkdir", "write", "sync", "rename", "sync dir"
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("folder put %s: %s: %v", e.Key, e.Op, e.Err) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether writing again may succeed: false when the file
// system refuses the name itself (ENAMETOOLONG, EINVAL, EILSEQ), true for
// other failures, which an operator can clear (space, permissions, a file
// where a directory should be) while the records wait in the source.
func (e *Error) Retryable() bool {
	return !errors.Is(e.Err, syscall.ENAMETOOLONG) && !errors.Is(e.Err, syscall.EINVAL) && !errors.Is(e.Err, syscall.EILSEQ)
}

// Store writes objects as files under a directory, confined to a root
// directory (the directory itself unless WithRoot names another): every
// file operation goes through an os.Root, so neither a key nor a symbolic
// link, even one created after the Store was made, can make it touch a
// file outside the root.
type Store struct {
	dir      string // absolute
	root     string // absolute; dir is inside it or equal to it
	rel      string // dir relative to root ("." when equal)
	fileMode fs.FileMode
	dirMode  fs.FileMode
	// syncFile is (*os.File).Sync; tests replace it to inject failures.
	syncFile func(*os.File) error
}

var (
	_ sinks.ObjectStore = (*Store)(nil)
	_ sinks.KeyChecker  = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store) error

// WithModes sets the permissions of created files and directories.
func WithModes(file, dir fs.FileMode) Option {
	return func(s *Store) error {
		if file&^fs.ModePerm != 0 || dir&^fs.ModePerm != 0 {
			return fmt.Errorf("folder: modes %v, %v: only permission bits allowed", file, dir)
		}
		if dir&0o300 != 0o300 {
			return fmt.Errorf("folder: directory mode %v must let the owner write and search", dir)
		}
		s.fileMode, s.dirMode = file, dir
		return nil
	}
}

// WithRoot confines the store to root: dir must lie inside it (or be
// it), and no file operation of the store, the creation of dir's missing
// parents included, resolves to a path outside root, whatever symbolic
// links lie on the way. Without it the root is dir itself.
func WithRoot(root string) Option {
	return func(s *Store) error {
		if root == "" {
			return errors.New("folder: empty root")
		}
		abs, err := filepath.Abs(root)
		if err != nil {
			return fmt.Errorf("folder: root %s: %w", root, err)
		}
		s.root = abs
		return nil
	}
}

// New returns a Store writing under dir, creating dir if needed (and the
// root, when it is missing).
func New(dir string, opts ...Option) (*Store, error) {
	if dir == "" {
		return nil, errors.New("folder: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", dir, err)
	}
	s := &Store{dir: abs, fileMode: DefaultFileMode, dirMode: DefaultDirMode, syncFile: (*os.File).Sync}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.root == "" {
		s.root = abs
	}
	rel, err := filepath.Rel(s.root, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("folder %s: %w: not inside the root %s", abs, ErrOutsideRoot, s.root)
	}
	s.rel = rel
	if err := os.MkdirAll(s.root, s.dirMode); err != nil {
		return nil, fmt.Errorf("folder %s: %w", s.root, err)
	}
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", s.root, err)
	}
	defer r.Close()
	if err := r.MkdirAll(rel, s.dirMode); err != nil {
		return nil, fmt.Errorf("folder %s: %w", abs, err)
	}
	if fi, err := r.Stat(rel); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("folder %s: not a directory", abs)
	}
	return s, nil
}

// ErrOutsideRoot: a folder that is not inside the store's root.
var ErrOutsideRoot = errors.New("outside the output root")

// Dir is the store's absolute directory.
func (s *Store) Dir() string { return s.dir }

// Root is the absolute directory the store is confined to.
func (s *Store) Root() string { return s.root }

// String names the store for logs.
func (s *Store) String() string { return "folder " + s.dir }

// Path returns the file a key is stored in, or an error wrapping
// ErrInvalidKey (permanent: see sinks.Retryable).
func (s *Store) Path(key string) (string, error) {
	path, err := s.path(key)
	return path, sinks.Permanent(err)
}

func (s *Store) path(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("%w: %q is absolute", ErrInvalidKey, key)
	}
	if strings.ContainsAny(key, "\x00\\") {
		return "", fmt.Errorf("%w: %q contains a NUL or backslash", ErrInvalidKey, key)
	}
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		switch seg {
		case "":
			return "", fmt.Errorf("%w: %q has an empty segment", ErrInvalidKey, key)
		case ".", "..":
			return "", fmt.Errorf("%w: %q has a %q segment", ErrInvalidKey, key, seg)
		}
		if strings.HasPrefix(seg, ".") && strings.Contains(seg, tempMarker) {
			return "", fmt.Errorf("%w: %q looks like a temporary file", ErrInvalidKey, key)
		}
		limit := MaxSegmentBytes
		if i == len(segs)-1 {
			limit = MaxFileNameBytes
		}
		if len(seg) > limit {
			return "", fmt.Errorf("%w: a segment of %.64q... is %d bytes; the file system allows %d", ErrInvalidKey, key, len(seg), limit)
		}
	}
	path := filepath.Join(append([]string{s.dir}, segs...)...)
	if len(path) > MaxPathBytes {
		return "", fmt.Errorf("%w: the path of %.64q... is %d bytes; the file system allows %d", ErrInvalidKey, key, len(path), MaxPathBytes)
	}
	return path, nil
}

// inRoot is a path under the store's directory (an absolute path from
// path) relative to the root, for the os.Root's methods.
func (s *Store) inRoot(path string) string {
	rel, _ := filepath.Rel(s.root, path)
	return rel
}

// CheckKey reports whether key can name a file in the folder (the checks
// of Path), without touching the disk.
func (s *Store) CheckKey(key string) error {
	_, err := s.Path(key)
	return err
}

// Put writes obj.Body to the key's file and returns once the file and its
// directory entry are on disk. A failure leaves the previous file (if any)
// as it was and no temporary file behind. Every step resolves its path
// inside the root and refuses one that leaves it ("path escapes from
// parent": a symbolic link out, perhaps made after the store was), so a
// link swapped in between two writes, or between two steps of one, cannot
// send the object elsewhere.
func (s *Store) Put(ctx context.Context, obj sinks.Object) error {
	path, err := s.Path(obj.Key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return &Error{Key: obj.Key, Op: "open root", Err: err}
	}
	defer r.Close()
	name := s.inRoot(path)
	dir := filepath.Dir(name)
	if err := s.mkdirAll(r, dir); err != nil {
		return &Error{Key: obj.Key, Op: "mkdir", Err: err}
	}
	tmp, tmpName, err := s.createTemp(r, dir, "."+filepath.Base(name)+tempMarker)
	if err != nil {
		return &Error{Key: obj.Key, Op: "create", Err: err}
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = r.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(obj.Body); err != nil {
		return &Error{Key: obj.Key, Op: "write", Err: err}
	}
	if err := tmp.Chmod(s.fileMode); err != nil {
		return &Error{Key: obj.Key, Op: "chmod", Err: err}
	}
	if err := s.syncFile(tmp); err != nil {
		return &Error{Key: obj.Key, Op: "sync", Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &Error{Key: obj.Key, Op: "close", Err: err}
	}
	if err := r.Rename(tmpName, name); err != nil {
		return &Error{Key: obj.Key, Op: "rename", Err: err}
	}
	done = true
	if err := syncDir(r, dir); err != nil {
		return &Error{Key: obj.Key, Op: "sync dir", Err: err}
	}
	return nil
}

// createTemp creates a new file named prefix and up to 10 random digits in
// dir (relative to r), as os.CreateTemp does, but through r.
func (s *Store) createTemp(r *os.Root, dir, prefix string) (*os.File, string, error) {
	for range 100 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[:])), 10))
		f, err := r.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", fmt.Errorf("no free temporary name in %s", dir)
}

// mkdirAll creates dir (relative to r) and its missing parents, fsyncing
// each parent whose entries changed so the new directories survive a
// crash.
func (s *Store) mkdirAll(r *os.Root, dir string) error {
	if fi, err := r.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", filepath.Join(s.root, dir))
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir && dir != s.rel {
		if err := s.mkdirAll(r, parent); err != nil {
			return err
		}
	}
	if err := r.Mkdir(dir, s.dirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(r, parent)
}

func syncDir(r *os.Root, dir string) error {
	d, err := r.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoveTemp deletes temporary files a crash left behind under the
// folder and returns how many it removed. Call it at start-up, before any
// Put; it walks the whole tree (inside the root: a symbolic link out is
// not followed).
func (s *Store) RemoveTemp(ctx context.Context) (int, error) {
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	err = fs.WalkDir(r.FS(), filepath.ToSlash(s.rel), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if !d.IsDir() && strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker) {
			if err := r.Remove(filepath.FromSlash(path)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
