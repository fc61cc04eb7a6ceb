package folder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/sinks"
)

// TestSymlinkSwappedInIsRefused: a directory under the store replaced by a
// symbolic link out of it after the store was made (and after a first
// write went through it) does not let a later Put write outside: the write
// is refused, retryably (the operator can remove the link), and nothing
// appears where the link points.
func TestSymlinkSwappedInIsRefused(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	for _, tc := range []struct {
		name string
		swap string // the directory, relative to the store, that becomes a link out
		key  string
	}{
		{"a partition directory", "site=a", "site=a/2026/obj.json"},
		{"a deeper directory", "site=a/2026", "site=a/2026/obj.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if err := s.Put(ctx, sinks.Object{Key: tc.key, Body: []byte("first")}); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(outside, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			swapped := filepath.Join(s.Dir(), tc.swap)
			if err := os.RemoveAll(swapped); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, swapped); err != nil {
				t.Fatal(err)
			}
			err := s.Put(ctx, sinks.Object{Key: tc.key, Body: []byte("second")})
			if err == nil {
				t.Fatal("Put through a symbolic link out of the store succeeded")
			}
			if !sinks.Retryable(err) {
				t.Errorf("Put = %v: want a retryable refusal (the link can be removed)", err)
			}
			if got := files(t, target); len(got) != 0 {
				t.Fatalf("files written outside the store: %v", got)
			}
		})
	}
}

// TestRoot: WithRoot confines a store to a root its folder lies in; a
// folder outside is refused, a link inside the root that stays inside is
// followed, and one that leads out (an existing one or one made after New)
// is refused.
func TestRoot(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	outside := t.TempDir()

	if _, err := New(outside, WithRoot(root)); !errors.Is(err, ErrOutsideRoot) {
		t.Fatalf("New outside the root = %v, want ErrOutsideRoot", err)
	}
	if _, err := New(filepath.Join(root, "..", filepath.Base(outside)), WithRoot(root)); !errors.Is(err, ErrOutsideRoot) {
		t.Fatalf("New with .. out of the root = %v, want ErrOutsideRoot", err)
	}

	// A link inside the root to another directory inside it is followed.
	if err := os.MkdirAll(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	s, err := New(filepath.Join(root, "alias", "out"), WithRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, sinks.Object{Key: "k", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "real", "out", "k")); err != nil {
		t.Fatalf("the object is not under the link's target: %v", err)
	}

	// A link out of the root, existing before New.
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if _, err := New(filepath.Join(root, "escape", "out"), WithRoot(root)); err == nil {
		t.Fatal("New through a link out of the root succeeded")
	}
	if err := Probe(ctx, filepath.Join(root, "escape", "out"), WithRoot(root)); err == nil {
		t.Fatal("Probe through a link out of the root succeeded")
	} else if pe := (*sinks.ProbeError)(nil); !errors.As(err, &pe) || !pe.Permanent {
		t.Fatalf("Probe = %v, want a permanent ProbeError", err)
	}

	// The store's own folder swapped for a link out after New.
	s2, err := New(filepath.Join(root, "later"), WithRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "later")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "later")); err != nil {
		t.Fatal(err)
	}
	if err := s2.Put(ctx, sinks.Object{Key: "k", Body: []byte("x")}); err == nil {
		t.Fatal("Put after the folder became a link out succeeded")
	}
	if got := files(t, outside); len(got) != 0 {
		t.Fatalf("files written outside the root: %v", got)
	}
}
