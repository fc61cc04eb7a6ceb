package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/proctest"
)

// TestModuleInit is a new user's first transform, in every language: the
// sluice binary (on PATH, as a user has it) writes a project with `module
// init` into a temporary directory outside the repository, and the
// commands it prints run as printed, with the real toolchains. For every
// language that is the project's test.sh: its native unit tests, build.sh
// (one build per language) and `sluice module test` on the sample event,
// compared with expected-output.txt. For Go it is every printed command,
// through push, apply -f pipeline.yaml and put --delivery against a
// `sluice serve`, until the transformed record lands in the delivery
// stream's folder. A missing toolchain fails the test: install it with
// scripts/install-toolchains.sh.
func TestModuleInit(t *testing.T) {
	bin := sluiceBinary(t)
	cache := t.TempDir() // module test's wazero compilation cache
	// XDG_CACHE_HOME moves Go's build cache too, unless GOCACHE says where
	// it is: keep the warm one.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOCACHE: %v", err)
	}
	for _, lang := range []string{"go", "rust", "c", "assemblyscript", "wasi"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			env := append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "XDG_CACHE_HOME="+cache, "GOCACHE="+strings.TrimSpace(string(gocache)))
			name := "my-" + lang
			init := exec.Command(bin, "-o", "json", "module", "init", name, "--lang", lang)
			init.Dir, init.Env = work, env
			out, err := init.Output()
			if err != nil {
				t.Fatalf("sluice module init: %v\n%s", err, out)
			}
			var p struct {
				Next []struct{ Command string }
			}
			if err := json.Unmarshal(out, &p); err != nil || len(p.Next) != 7 || p.Next[0].Command != "cd "+name {
				t.Fatalf("init said %s (%v)", out, err)
			}
			steps := []string{p.Next[0].Command, "./test.sh"}
			var root string
			if lang == "go" {
				for _, s := range p.Next {
					steps = append(steps, s.Command)
				}
				steps = steps[2:]
				root = t.TempDir()
				_, ep := proctest.Serve(t, bin, "", "--data-dir", t.TempDir(), "--output-root", root)
				env = append(env, "SLUICE_ENDPOINT="+ep)
			}
			script := "set -euo pipefail\n" + strings.Join(steps, "\n") + "\n"
			run := exec.Command("bash", "-c", script)
			run.Dir, run.Env = work, env
			start := time.Now()
			log, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", script, err, log)
			}
			t.Logf("%s took %v", strings.Join(steps, "; "), time.Since(start).Round(time.Millisecond))
			if !strings.Contains(string(log), "ok: "+name+".wasm answers sample-event.json as expected-output.txt says") {
				t.Fatalf("test.sh did not check the sample event:\n%s", log)
			}
			if lang == "go" {
				waitFolderObject(t, filepath.Join(root, name), "HELLO, SLUICE\n")
			}
		})
	}
}

// waitFolderObject waits up to a minute for dir to hold one object whose
// content is want.
func waitFolderObject(t *testing.T, dir, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var found []string
		_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				b, _ := os.ReadFile(p)
				found = append(found, string(b))
			}
			return nil
		})
		if len(found) == 1 && found[0] == want {
			return
		}
		if len(found) > 1 || len(found) == 1 || time.Now().After(deadline) {
			t.Fatalf("delivered %q to %s, want one object holding %q", found, dir, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
