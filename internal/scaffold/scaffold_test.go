package scaffold

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteEveryLang writes each language's project and checks the files
// every project has, its manifest and SDK copy, that no template text is
// left over, and that the sample event is valid JSON of three records.
func TestWriteEveryLang(t *testing.T) {
	manifest := map[Lang][]string{
		Go:             {"go.mod", "main.go", "main_test.go", "sluice-sdk/go.mod", "sluice-sdk/transform/abi_wasip1.go"},
		WASI:           {"go.mod", "main.go", "main_test.go"},
		Rust:           {"Cargo.toml", "Cargo.lock", "src/lib.rs", ".cargo/config.toml", "toolchain.sh", "sluice-sdk/Cargo.toml", "sluice-sdk/src/lib.rs"},
		C:              {"Makefile", "transform.c", "sluice-sdk/sluice.h", "sluice-sdk/sluice.c"},
		AssemblyScript: {"package.json", "assembly/index.ts", "test/transform.test.mjs", "sluice-sdk/package.json", "sluice-sdk/assembly/index.ts"},
	}
	for _, lang := range Langs {
		t.Run(string(lang), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			p, err := Write(dir, "my-upper", lang)
			if err != nil {
				t.Fatal(err)
			}
			if p.Wasm != "my-upper.wasm" || p.Name != "my-upper" || p.Lang != lang {
				t.Errorf("project %+v", p)
			}
			for _, f := range append([]string{"build.sh", "test.sh", "sample-event.json", "expected-output.txt", "pipeline.yaml", "README.md", ".gitignore"}, manifest[lang]...) {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Errorf("no %s: %v", f, err)
					continue
				}
				if strings.Contains(string(b), "{{") && !strings.HasPrefix(f, "sluice-sdk/") {
					t.Errorf("%s has template text left: %s", f, b)
				}
			}
			if fi, err := os.Stat(filepath.Join(dir, "build.sh")); err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("build.sh is not executable: %v", err)
			}
			_, err = os.Stat(filepath.Join(dir, SDKDir))
			if hasSDK := lang != WASI; hasSDK != (err == nil) {
				t.Errorf("sluice-sdk/ there: %v, want %v", err == nil, hasSDK)
			}
			var ev struct {
				Records []struct{ RecordID, Data string }
			}
			b, _ := os.ReadFile(filepath.Join(dir, "sample-event.json"))
			if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 3 {
				t.Errorf("sample event: %v, %d records", err, len(ev.Records))
			}
		})
	}
}

func TestWriteNames(t *testing.T) {
	p, err := Write(filepath.Join(t.TempDir(), "r"), "my-upper", Rust)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(p.Dir, "build.sh"))
	if !strings.Contains(string(b), `cp "target/$TARGET/release/my_upper.wasm" my-upper.wasm`) {
		t.Errorf("rust build.sh copies the wrong artifact:\n%s", b)
	}
	g, err := Write(filepath.Join(t.TempDir(), "g"), "up", Go)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(g.Dir, "go.mod"))
	if !strings.Contains(string(b), "module up\n\ngo "+goVersion()+"\n") || !strings.Contains(string(b), "replace github.com/sluice-io/sluice/sdk/go => ./sluice-sdk\n") {
		t.Errorf("go.mod:\n%s", b)
	}
}

func TestWriteRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir, name string
		lang      Lang
		want      error
	}{
		{filepath.Join(t.TempDir(), "a"), "", Go, ErrInvalidName},
		{filepath.Join(t.TempDir(), "a"), "1up", Go, ErrInvalidName},
		{filepath.Join(t.TempDir(), "a"), "Up", Go, ErrInvalidName},
		{filepath.Join(t.TempDir(), "a"), "up.x", Go, ErrInvalidName},
		{filepath.Join(t.TempDir(), "a"), strings.Repeat("a", 65), Go, ErrInvalidName},
		{filepath.Join(t.TempDir(), "a"), "up", "cobol", ErrUnknownLang},
		{full, "up", Go, ErrDirNotEmpty},
	} {
		if _, err := Write(tc.dir, tc.name, tc.lang); !errors.Is(err, tc.want) {
			t.Errorf("Write(%q, %q, %q) = %v, want %v", tc.dir, tc.name, tc.lang, err, tc.want)
		}
		if tc.dir != full {
			if _, err := os.Stat(tc.dir); err == nil {
				t.Errorf("a refused Write made %s", tc.dir)
			}
		}
	}
	if _, err := Write(t.TempDir(), strings.Repeat("a", 64), C); err != nil {
		t.Errorf("an empty existing directory and a 64-character name: %v", err)
	}
	if _, err := ParseLang("rust"); err != nil {
		t.Error(err)
	}
	if _, err := ParseLang("Rust"); !errors.Is(err, ErrUnknownLang) {
		t.Errorf("ParseLang(Rust) = %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"up":         "up",
		"/tmp/a-b_c": "/tmp/a-b_c",
		"my dir":     "'my dir'",
		"it's":       `'it'\''s'`,
		"":           "''",
		"$HOME/x":    "'$HOME/x'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
