package scaffold

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
)

// files holds the project templates (templates/<lang>/ and
// templates/common/, every file a text/template ending in .tmpl) and the
// SDK copies (_sdk/<sdk>/).
//
//go:embed all:templates all:_sdk
var files embed.FS

// Lang is the language of a new project.
type Lang string

// The languages Write knows.
const (
	Go             Lang = "go"             // Go on the Go SDK (a WASI reactor)
	Rust           Lang = "rust"           // Rust on the Rust SDK (a cdylib)
	C              Lang = "c"              // C on the C SDK (a WASI reactor)
	AssemblyScript Lang = "assemblyscript" // AssemblyScript on its SDK
	WASI           Lang = "wasi"           // a plain WASI command in Go, no SDK
)

// Langs lists the languages in the order help texts show them.
var Langs = []Lang{Go, Rust, C, AssemblyScript, WASI}

// sdkOf names the _sdk/ directory a language's projects carry; "" for none.
var sdkOf = map[Lang]string{Go: "go", Rust: "rust", C: "c", AssemblyScript: "assemblyscript", WASI: ""}

// SDKDir is the directory of a project that holds its copy of the SDK.
const SDKDir = "sluice-sdk"

// Errors of Write, wrapped with the details.
var (
	ErrInvalidName = errors.New("invalid project name")
	ErrUnknownLang = errors.New("unknown language")
	ErrDirNotEmpty = errors.New("directory is not empty")
)

// nameRE is what a project name may be: a Sluice module name (1 to 64
// letters, digits, hyphens, underscores) that is also a valid Go module
// path, Cargo package and npm package name, so lower case and starting with
// a letter.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Project is a project Write wrote.
type Project struct {
	Name string
	Lang Lang
	Dir  string // as given to Write
	// Wasm is the module build.sh writes, relative to Dir: NAME.wasm.
	Wasm string
	// Files are the files written, relative to Dir, sorted; the SDK copy
	// counts as one entry, SDKDir + "/".
	Files []string
}

// data is what the templates see.
type data struct {
	Name      string // the project and module name
	Ident     string // Name with '-' as '_': the Rust library's file name
	Wasm      string // Name + ".wasm"
	Lang      Lang
	GoVersion string // the go line of the Go SDK's go.mod
	// ASCVersion is the AssemblyScript compiler the SDK's package.json pins.
	ASCVersion string
	SDKDir     string
}

// ParseLang returns the Lang named s.
func ParseLang(s string) (Lang, error) {
	for _, l := range Langs {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrUnknownLang, s, LangList())
}

// LangList is the languages as "go, rust, c, assemblyscript or wasi".
func LangList() string {
	s := make([]string, len(Langs))
	for i, l := range Langs {
		s[i] = string(l)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Write writes a new project called name in lang to dir, which must not
// exist or be empty. Nothing is left behind when it fails part way.
func Write(dir, name string, lang Lang) (*Project, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("%w %q: 1 to 64 lower-case letters, digits, hyphens or underscores, starting with a letter", ErrInvalidName, name)
	}
	if _, ok := sdkOf[lang]; !ok {
		return nil, fmt.Errorf("%w %q: want one of %s", ErrUnknownLang, lang, LangList())
	}
	created, err := makeDir(dir)
	if err != nil {
		return nil, err
	}
	p := &Project{Name: name, Lang: lang, Dir: dir, Wasm: name + ".wasm"}
	if err := p.write(); err != nil {
		if created {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	return p, nil
}

// makeDir makes dir, or checks that it is an empty directory; created says
// whether it made it.
func makeDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, os.MkdirAll(dir, 0o755)
	case err != nil:
		return false, err
	case len(entries) > 0:
		return false, fmt.Errorf("%s: %w (give a new one with --dir)", dir, ErrDirNotEmpty)
	}
	return false, nil
}

func (p *Project) write() error {
	d := data{
		Name:       p.Name,
		Ident:      strings.ReplaceAll(p.Name, "-", "_"),
		Wasm:       p.Wasm,
		Lang:       p.Lang,
		GoVersion:  goVersion(),
		ASCVersion: ascVersion(),
		SDKDir:     SDKDir,
	}
	for _, root := range []string{"templates/common", "templates/" + string(p.Lang)} {
		if err := p.writeTemplates(root, d); err != nil {
			return err
		}
	}
	if sdk := sdkOf[p.Lang]; sdk != "" {
		if err := p.copySDK("_sdk/" + sdk); err != nil {
			return err
		}
		p.Files = append(p.Files, SDKDir+"/")
	}
	sort.Strings(p.Files)
	return nil
}

// writeTemplates executes every template under root into the project, at
// its path under root without ".tmpl".
func (p *Project) writeTemplates(root string, d data) error {
	return fs.WalkDir(files, root, func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		src, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		t, err := template.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return err
		}
		var out bytes.Buffer
		if err := t.Execute(&out, d); err != nil {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(name, root+"/"), ".tmpl")
		p.Files = append(p.Files, rel)
		return writeFile(filepath.Join(p.Dir, filepath.FromSlash(rel)), out.Bytes())
	})
}

// copySDK copies an _sdk/ directory to the project's SDKDir as it is
// (go.mod.in becomes go.mod).
func (p *Project) copySDK(root string) error {
	return fs.WalkDir(files, root, func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, root+"/")
		if path.Base(rel) == "go.mod.in" {
			rel = strings.TrimSuffix(rel, ".in")
		}
		return writeFile(filepath.Join(p.Dir, SDKDir, filepath.FromSlash(rel)), b)
	})
}

// writeFile writes a project file; scripts are executable.
func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if strings.HasSuffix(name, ".sh") {
		mode = 0o755
	}
	return os.WriteFile(name, b, mode)
}

// goVersion is the version on the go line of the Go SDK's go.mod, which
// the Go projects declare too.
func goVersion() string {
	b, _ := files.ReadFile("_sdk/go/go.mod.in")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "1.26"
}

// ascVersion is the AssemblyScript compiler version the SDK's package.json
// pins, which AssemblyScript projects pin too.
func ascVersion() string {
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	b, _ := files.ReadFile("_sdk/assemblyscript/package.json")
	if json.Unmarshal(b, &pkg) == nil && pkg.DevDependencies["assemblyscript"] != "" {
		return pkg.DevDependencies["assemblyscript"]
	}
	return "0.28.20"
}

// Step is one of the commands to run next, with what it does.
type Step struct {
	Command string `json:"command"`
	Does    string `json:"does"`
}

// Next lists the commands that take the project from source to a delivery
// stream, to run in its directory after `cd` (the first step).
func (p *Project) Next() []Step {
	return []Step{
		{"cd " + shellQuote(p.Dir), ""},
		{"./build.sh", "builds " + p.Wasm},
		{"sluice module test " + p.Wasm + " --event sample-event.json", "runs the sample event through it, here"},
		{"./test.sh", "builds, tests, and checks the sample event's answer against expected-output.txt"},
		{"sluice module push " + p.Name + " " + p.Wasm, "uploads it to the server (sluice serve) as " + p.Name + " version 1"},
		{"sluice apply -f pipeline.yaml", "creates the delivery stream " + p.Name + "-out, which runs it"},
		{`sluice put --delivery ` + p.Name + `-out "hello, sluice"`, "sends it a record"},
	}
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=:@%,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
