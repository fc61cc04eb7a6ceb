package main

import (
	"encoding/json"
	"github.com/sluice-io/sluice/internal/scaffold"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModuleInitPrints checks what init says: the files and the commands to
// run next. internal/e2e's TestModuleInit builds every language's project
// and runs those commands with the sluice binary.
func TestModuleInitPrints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my dir")
	out := mustSluice(t, "http://127.0.0.1:1", "", "module", "init", "up", "--lang", "rust", "--dir", dir)
	for _, want := range []string{
		"created " + dir + ": a rust transform named up\n",
		" Cargo.toml ", " sluice-sdk/ ", " toolchain.sh\n",
		"\nnext:\n  cd '" + dir + "'\n",
		"\n  ./build.sh ", "# builds up.wasm\n",
		"\n  sluice module test up.wasm --event sample-event.json ",
		"\n  ./test.sh ",
		"\n  sluice module push up up.wasm ",
		"\n  sluice apply -f pipeline.yaml ",
		"\n  sluice put --delivery up-out \"hello, sluice\" ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("init said %q, want it to contain %q", out, want)
		}
	}
}

// TestModuleInitRefuses checks the refusals of module init, which write
// nothing.
func TestModuleInitRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"module", "init", "x"}, "--lang is required: go, rust, c, assemblyscript or wasi"},
		{[]string{"module", "init", "x", "--lang", "cobol"}, `unknown language "cobol"`},
		{[]string{"module", "init", "Upper", "--lang", "go", "--dir", filepath.Join(t.TempDir(), "u")}, `invalid project name "Upper"`},
		{[]string{"module", "init", "../x", "--lang", "go", "--dir", filepath.Join(t.TempDir(), "u")}, "invalid project name"},
		{[]string{"module", "init", "x", "--lang", "go", "--dir", full}, "directory is not empty"},
	} {
		_, err := sluice(t, "http://127.0.0.1:1", "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sluice %s: %v, want it to mention %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(full, "keep.txt")); err != nil || string(b) != "mine" {
		t.Errorf("a refused init touched the directory: %q %v", b, err)
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("a refused init wrote %d entries", len(entries))
	}
}

// TestModuleInitDefaultDir writes to ./NAME by default and prints JSON
// with -o json.
func TestModuleInitDefaultDir(t *testing.T) {
	t.Chdir(t.TempDir())
	out := mustSluice(t, "http://127.0.0.1:1", "", "-o", "json", "module", "init", "up", "--lang", "c")
	var p struct {
		Name, Lang, Dir, Wasm string
		Files                 []string
		Next                  []scaffold.Step
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if p.Name != "up" || p.Lang != "c" || p.Dir != "up" || p.Wasm != "up.wasm" || len(p.Next) == 0 || p.Next[0].Command != "cd up" {
		t.Errorf("json said %+v", p)
	}
	for _, f := range []string{"up/transform.c", "up/Makefile", "up/build.sh", "up/sluice-sdk/sluice.h", "up/sample-event.json"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("init wrote no %s: %v", f, err)
		}
	}
}
