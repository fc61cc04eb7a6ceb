package transform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestGuestModuleMatchesABI builds testdata/guest the way a transform is
// built and checks what it imports from the sluice module and what it
// exports against the signatures in sdk/ABI.md.
func TestGuestModuleMatchesABI(t *testing.T) {
	out := filepath.Join(t.TempDir(), "guest.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = filepath.Join("testdata", "guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/guest (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared): %v\n%s", err, msg)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseWasm(wasm)
	if err != nil {
		t.Fatal(err)
	}
	const i32 = "i32"
	wantImports := map[string]string{
		"set_output": sig([]string{i32, i32}, nil),
		"log":        sig([]string{i32, i32, i32}, nil),
		"kv_get":     sig([]string{i32, i32, i32, i32, i32, i32}, []string{i32}),
	}
	got := map[string]string{}
	for _, imp := range m.imports {
		if imp.module == "sluice" {
			got[imp.name] = imp.sig
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(wantImports) {
		t.Errorf("sluice imports = %v\nwant %v", got, wantImports)
	}
	wantExports := map[string]string{
		"_initialize":          sig(nil, nil),
		"sluice_abi_version_1": sig(nil, nil),
		"sluice_alloc":         sig([]string{i32}, []string{i32}),
		"sluice_transform":     sig([]string{i32, i32}, []string{i32}),
	}
	if fmt.Sprint(m.exports) != fmt.Sprint(wantExports) {
		t.Errorf("function exports = %v\nwant %v", m.exports, wantExports)
	}
	if !m.memoryExported {
		t.Error("memory is not exported as \"memory\"")
	}
}

func sig(params, results []string) string {
	return fmt.Sprintf("%v->%v", params, results)
}

// wasmModule is the little of a module's structure the test checks.
type wasmModule struct {
	imports        []wasmImport
	exports        map[string]string // function name -> signature
	memoryExported bool
}

type wasmImport struct {
	module, name, sig string
}

// parseWasm reads the type, import, function and export sections of a
// WebAssembly binary (the rest is skipped).
func parseWasm(b []byte) (*wasmModule, error) {
	if !bytes.HasPrefix(b, []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a wasm module")
	}
	r := &wasmReader{b: b[8:]}
	var types []string
	var funcTypes []uint32 // type index of every function, imports first
	m := &wasmModule{exports: map[string]string{}}
	for len(r.b) > 0 && r.err == nil {
		id := r.byte()
		body := &wasmReader{b: r.bytes(int(r.uleb()))}
		switch id {
		case 1: // types
			for range body.uleb() {
				body.byte() // 0x60
				params, results := body.valTypes(), body.valTypes()
				types = append(types, sig(params, results))
			}
		case 2: // imports
			for range body.uleb() {
				mod, name := body.name(), body.name()
				switch kind := body.byte(); kind {
				case 0:
					ti := body.uleb()
					funcTypes = append(funcTypes, ti)
					m.imports = append(m.imports, wasmImport{mod, name, types[ti]})
				case 1: // table
					body.byte()
					body.limits()
				case 2: // memory
					body.limits()
				case 3: // global
					body.byte()
					body.byte()
				}
			}
		case 3: // functions
			for range body.uleb() {
				funcTypes = append(funcTypes, body.uleb())
			}
		case 7: // exports
			for range body.uleb() {
				name, kind, idx := body.name(), body.byte(), body.uleb()
				switch {
				case kind == 0:
					m.exports[name] = types[funcTypes[idx]]
				case kind == 2 && name == "memory":
					m.memoryExported = true
				}
			}
		}
		if body.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, body.err)
		}
	}
	return m, r.err
}

type wasmReader struct {
	b   []byte
	err error
}

func (r *wasmReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errors.New("unexpected end")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wasmReader) uleb() uint32 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("bad LEB128")
		return 0
	}
	r.b = r.b[n:]
	return uint32(v)
}

func (r *wasmReader) bytes(n int) []byte {
	if n > len(r.b) {
		r.err = errors.New("section past the end")
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *wasmReader) name() string { return string(r.bytes(int(r.uleb()))) }

func (r *wasmReader) limits() {
	if r.byte()&1 != 0 {
		r.uleb()
	}
	r.uleb()
}

func (r *wasmReader) valTypes() []string {
	names := map[byte]string{0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64"}
	var ts []string
	for range r.uleb() {
		ts = append(ts, names[r.byte()])
	}
	return slices.Clip(ts)
}
