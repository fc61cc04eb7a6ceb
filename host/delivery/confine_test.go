package delivery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFolderConfinement: folder paths are resolved under the output root
// and every way out is refused at apply, with nothing created.
func TestFolderConfinement(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	outside := t.TempDir()
	store := filepath.Join(root, "store")
	e := newEnvWith(t, func(c *Config) { c.OutputRoot, c.Forbidden = root, []string{store} })
	if err := os.MkdirAll(store, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link-out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside", filepath.Join(root, "link-in")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ name, path, want string }{
		{"dot dot", "../escape", ".."},
		{"dot dot inside", "a/../b", ".."},
		{"absolute outside", outside, "outside the output root"},
		{"absolute dot dot", root + "/../x", ".."},
		{"symlink out", "link-out/x", "symbolic link"},
		{"the server's own directory", "store/x", "server's own"},
		{"around the server's own directory", ".", "server's own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.m.Create(ctx, folderDef("confined", tc.path))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create with folder %q = %v, want ErrInvalid mentioning %q", tc.path, err, tc.want)
			}
		})
	}
	if got := objects(t, outside); len(got) != 0 {
		t.Fatalf("files outside the root: %v", got)
	}

	// A relative path lands under the root, an absolute one inside it
	// works, and a link that stays inside is followed.
	for name, path := range map[string]string{"rel": "out/rel", "abs": filepath.Join(root, "out", "abs"), "via-link": "link-in/x"} {
		e.create(folderDef(name, path))
		e.waitCheckpoint(name, lastID(t, e.put(name, numbered(2, `{"n":%d}`))))
	}
	if len(objects(t, filepath.Join(root, "out", "rel"))) == 0 || len(objects(t, filepath.Join(root, "out", "abs"))) == 0 ||
		len(objects(t, filepath.Join(root, "inside", "x"))) == 0 {
		t.Fatal("the confined folders got nothing")
	}
}

// TestSymlinkSwappedAfterApply: a directory of a folder destination
// replaced by a symbolic link out of the output root after the delivery
// stream was created makes the writes fail (the delivery stream retries,
// saying why) and nothing is written where the link points; once the link
// is gone the records are delivered.
func TestSymlinkSwappedAfterApply(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	e := newEnvWith(t, func(c *Config) { c.OutputRoot = root })
	def := folderDef("swap", "out")
	def.Destination.Prefix = "data/"
	e.create(def)
	e.waitCheckpoint("swap", lastID(t, e.put("swap", numbered(2, `{"n":%d}`))))
	data := filepath.Join(root, "out", "data")
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, data); err != nil {
		t.Fatal(err)
	}
	ids := e.put("swap", numbered(3, `{"later":%d}`))
	st := e.waitState("swap", StatusRetrying)
	if !strings.Contains(st.LastError, "escapes") {
		t.Errorf("last error %q does not say the path escapes", st.LastError)
	}
	if got := objects(t, outside); len(got) != 0 {
		t.Fatalf("written through the link: %v", got)
	}
	if err := os.Remove(data); err != nil {
		t.Fatal(err)
	}
	e.waitCheckpoint("swap", lastID(t, ids))
	if got := objects(t, outside); len(got) != 0 {
		t.Fatalf("written through the link: %v", got)
	}
}

// TestDottedNames: names Firehose allows that would make an empty KV key
// token ("..", ".x", "x.", "a..b") are stored, listed, delivered and
// deleted like any other, next to a name with an ordinary dot.
func TestDottedNames(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	names := []string{"..", ".x", "x.", "a..b", "a.b", "a"}
	for _, n := range names {
		e.create(folderDef(n, t.TempDir()))
		e.waitCheckpoint(n, lastID(t, e.put(n, numbered(2, `{"n":%d}`))))
	}
	got, err := e.m.List(ctx)
	if err != nil || strings.Join(got, " ") != ".. .x a a..b a.b x." {
		t.Fatalf("List = %q, %v", got, err)
	}
	for _, n := range names {
		if err := e.m.Delete(ctx, n); err != nil {
			t.Fatalf("delete %q: %v", n, err)
		}
	}
	if got, _ := e.m.List(ctx); len(got) != 0 {
		t.Fatalf("after deleting all: %q", got)
	}
}
