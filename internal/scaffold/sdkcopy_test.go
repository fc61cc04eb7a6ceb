package scaffold

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite _sdk/ from ../../sdk (go generate does)")

// TestSDKCopyIsCurrent checks that _sdk/ holds exactly the files of sdk/
// that sdkFiles lists, byte for byte; with -update it rewrites _sdk/.
func TestSDKCopyIsCurrent(t *testing.T) {
	want := map[string][]byte{} // path in _sdk -> content
	for _, pattern := range sdkFiles {
		matches, err := filepath.Glob(filepath.Join("..", "..", "sdk", filepath.FromSlash(pattern)))
		if err != nil || len(matches) == 0 {
			t.Fatalf("sdkFiles pattern %s matches nothing in sdk/ (%v)", pattern, err)
		}
		for _, m := range matches {
			if strings.HasSuffix(m, "_test.go") {
				continue
			}
			rel, _ := filepath.Rel(filepath.Join("..", "..", "sdk"), m)
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			want[copyName(filepath.ToSlash(rel))] = b
		}
	}
	if *update {
		if err := os.RemoveAll("_sdk"); err != nil {
			t.Fatal(err)
		}
		for rel, b := range want {
			if err := writeFile(filepath.Join("_sdk", filepath.FromSlash(rel)), b); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	got := map[string][]byte{}
	err := fs.WalkDir(files, "_sdk", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		got[name[len("_sdk/"):]] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var stale []string
	for rel, b := range want {
		if g, ok := got[rel]; !ok || !bytes.Equal(g, b) {
			stale = append(stale, rel)
		}
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			stale = append(stale, rel+" (no longer in sdk/)")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("internal/scaffold/_sdk differs from sdk/ in %q: run go generate ./internal/scaffold", stale)
	}
}
