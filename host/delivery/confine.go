package delivery

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// folderPath resolves a folder destination's path under the output root
// and refuses one that is not confined to it. A relative path is taken
// under the root; an absolute one must be inside it; a ".." element is
// refused whatever it leads to. The part of the path that exists is
// resolved with filepath.EvalSymlinks and must still be inside the root
// (whose own links are resolved too), and the folder may neither be
// inside nor contain one of the server's own directories
// (Config.Forbidden: the JetStream store, the secrets).
//
// It returns the resolved folder and the resolved root, which the folder
// store is made with: the store's os.Root then walks a path that had no
// symbolic link when the stages were built, and refuses at each write one
// that was made since and leads out (a link made later is refused there,
// not here).
func (m *Manager) folderPath(p string) (string, string, error) {
	root := m.cfg.OutputRoot
	if strings.ContainsRune(p, 0) {
		return "", "", invalidf("destination folder path %q contains a NUL", p)
	}
	if hasDotDot(p) {
		return "", "", invalidf("destination folder path %q has a .. element: name a folder under the output root %s", p, root)
	}
	abs := filepath.Clean(p)
	if !filepath.IsAbs(p) {
		abs = filepath.Join(root, p)
	}
	if !within(root, abs) {
		return "", "", invalidf("destination folder %s is outside the output root %s (sluice serve --output-root): give a path relative to the root, or an absolute one inside it", abs, root)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", invalidf("output root %s: %v", root, err)
		}
		realRoot = root // made by the store
	}
	real, err := resolveExisting(abs)
	if err != nil {
		return "", "", invalidf("destination folder %s: %v", abs, err)
	}
	if !within(realRoot, real) {
		return "", "", invalidf("destination folder %s leads through a symbolic link to %s, outside the output root %s", abs, real, root)
	}
	for _, f := range m.cfg.Forbidden {
		rf, err := resolveExisting(f)
		if err != nil {
			rf = f
		}
		if within(rf, real) || within(real, rf) {
			return "", "", invalidf("destination folder %s would overlap the server's own directory %s", abs, f)
		}
	}
	return real, realRoot, nil
}

// within reports whether path is dir or inside it (both clean and
// absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsLocal(rel)
}

// resolveExisting is filepath.EvalSymlinks of the longest part of path
// that exists, with the rest appended: where path leads once its missing
// directories are made.
func resolveExisting(path string) (string, error) {
	rest := ""
	for p := path; ; {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return path, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// checkOutputRoot checks Config.OutputRoot at Open: it must be absolute
// (relative paths in definitions are taken under it) and, if it exists, a
// directory.
func checkOutputRoot(root string) error {
	if root == "" {
		return errors.New("delivery: Config.OutputRoot is required: the directory folder destinations are confined to")
	}
	if !filepath.IsAbs(root) {
		return errors.New("delivery: Config.OutputRoot must be absolute")
	}
	if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
		return errors.New("delivery: Config.OutputRoot " + root + " is not a directory")
	}
	return nil
}
