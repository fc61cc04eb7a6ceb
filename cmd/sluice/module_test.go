package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/runtime"
)

// wasmPath is the path of a module built by scripts/build-wasm.sh,
// failing (never skipping) when it was not built.
func wasmPath(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test module %s is missing (%v): run scripts/build-wasm.sh", rel, err)
	}
	return p
}

// writeFile writes a temporary file and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModuleCommands(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ep := startServer(t)
	upper := wasmPath(t, "runtime/testdata/c_upper.wasm")
	size, _ := os.Stat(upper)

	out := mustSluice(t, ep, "", "module", "push", "upper", upper)
	re := regexp.MustCompile(`^pushed upper version 1 \(sha256 [0-9a-f]{64}, (\d+) bytes, ABI sdk-abi-v1\)\n$`)
	if m := re.FindStringSubmatch(out); m == nil || m[1] != itoa(size.Size()) {
		t.Fatalf("push said %q", out)
	}
	var v rest.ModuleVersion
	if err := json.Unmarshal([]byte(mustSluice(t, ep, "", "-o", "json", "module", "push", "upper", wasmPath(t, "runtime/testdata/c_identity.wasm"))), &v); err != nil || v.Version != 2 {
		t.Fatalf("json push: %+v %v", v, err)
	}

	out = mustSluice(t, ep, "", "module", "list")
	if !regexp.MustCompile(`(?m)^NAME\s+VERSIONS\s+LATEST\s+SIZE\s+ABI\s+UPLOADED\n^upper\s+2\s+2\s+\d+\s+sdk-abi-v1\s+\d{4}-`).MatchString(out) {
		t.Errorf("list said %q", out)
	}
	out = mustSluice(t, ep, "", "module", "describe", "upper")
	if !regexp.MustCompile(`(?m)^1\s+` + itoa(size.Size()) + `\s+sdk-abi-v1\s+\S+\s+[0-9a-f]{64}\n^2\s+`).MatchString(out) {
		t.Errorf("describe said %q", out)
	}
	var d rest.ModuleDescription
	if err := json.Unmarshal([]byte(mustSluice(t, ep, "", "-o", "json", "module", "describe", "upper")), &d); err != nil || len(d.Versions) != 2 {
		t.Errorf("json describe: %+v %v", d, err)
	}

	// test on the server: upper@1 upper-cases, upper (now @2) is the identity.
	records := writeFile(t, "records.txt", "hello\nwörld\n")
	out = mustSluice(t, ep, "", "module", "test", "upper@1", "--records", records)
	if !strings.Contains(out, `"data": "HELLO"`) || !strings.Contains(out, `"recordId": "record-2"`) || !strings.HasSuffix(out, "2 Ok, 0 Dropped, 0 ProcessingFailed\n") {
		t.Errorf("test upper@1 said %q", out)
	}
	out = mustSluice(t, ep, "hello\n", "-o", "json", "module", "test", "upper", "--records", "-")
	var resp struct{ Records []struct{ Data []byte } }
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.Records) != 1 || string(resp.Records[0].Data) != "hello" {
		t.Errorf("json test upper said %q (%v)", out, err)
	}

	// A hostile module's failure names the module and the reason.
	mustSluice(t, ep, "", "module", "push", "trap", wasmPath(t, "runtime/testdata/trap.wasm"))
	_, err := sluice(t, ep, "", "module", "test", "trap", "--records", records)
	if err == nil || !strings.Contains(err.Error(), "TransformFailed: transform trap@1: trap: ") {
		t.Errorf("test trap: %v", err)
	}

	out = mustSluice(t, ep, "", "module", "rm", "upper@1")
	if out != "removed upper@1\n" {
		t.Errorf("rm upper@1 said %q", out)
	}
	out = mustSluice(t, ep, "", "module", "rm", "upper")
	if out != "removed upper@2\n" {
		t.Errorf("rm upper said %q", out)
	}
	if _, err := sluice(t, ep, "", "module", "describe", "upper"); err == nil || !strings.Contains(err.Error(), "NotFound: ") {
		t.Errorf("describe after rm: %v", err)
	}
}

// TestModuleTestLocal runs module files with no server at all.
func TestModuleTestLocal(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	const noServer = "http://127.0.0.1:1"
	records := writeFile(t, "rows.csv", "1,\"Smith, Jo\"\n2,too,many\n")
	csv := wasmPath(t, "transforms/csv/csv.wasm")

	out := mustSluice(t, noServer, "", "module", "test", csv, "--records", records, "--env", "COLUMNS=id,name", "--env", "TYPES=int,string")
	if !strings.Contains(out, `"data": "{\"id\":1,\"name\":\"Smith, Jo\"}"`) || !strings.Contains(out, "expected 2 columns, got 3") ||
		!strings.HasSuffix(out, "1 Ok, 0 Dropped, 1 ProcessingFailed\n") {
		t.Errorf("local csv test said %q", out)
	}
	if entries, err := os.ReadDir(filepath.Join(cache, "sluice", "wasm")); err != nil || len(entries) == 0 {
		t.Errorf("no compilation cache under the user cache directory: %v", err)
	}

	ev, err := runtime.EncodeEvent(&runtime.Batch{Records: []runtime.Record{{RecordID: "a", Data: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	out = mustSluice(t, noServer, "", "-o", "json", "module", "test", wasmPath(t, "runtime/testdata/c_upper.wasm"), "--event", writeFile(t, "event.json", string(ev)))
	if !strings.Contains(out, `"data": "WA=="`) || strings.Contains(out, "Ok,") {
		t.Errorf("local json test said %q", out)
	}

	for _, tc := range []struct {
		module, want string
	}{
		{"runtime/testdata/trap.wasm", "trap.wasm: transform trap@0: trap: "},
		{"runtime/testdata/neither.wasm", "neither.wasm: load neither@0: module exports neither sluice_abi_version_1 nor _start"},
		{"runtime/testdata/notwasm.wasm", "not a valid WebAssembly module"},
	} {
		_, err := sluice(t, noServer, "", "module", "test", wasmPath(t, tc.module), "--records", records)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("test %s: %v, want it to contain %q", tc.module, err, tc.want)
		}
	}
}

func TestModuleBadUsage(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ep := startServer(t)
	records := writeFile(t, "r.txt", "a\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"module", "push", "bad.name", wasmPath(t, "runtime/testdata/c_upper.wasm")}, "InvalidName: "},
		{[]string{"module", "push", "x", wasmPath(t, "runtime/testdata/notwasm.wasm")}, "InvalidModule: push x: invalid module: not a valid WebAssembly module"},
		{[]string{"module", "push", "x", wasmPath(t, "runtime/testdata/abi2.wasm")}, "this host supports v1"},
		{[]string{"module", "push", "x", "no-such-file.wasm"}, "no-such-file.wasm"},
		{[]string{"module", "rm", "nope"}, "NotFound: "},
		{[]string{"module", "rm", "nope@x"}, "InvalidReference: "},
		{[]string{"module", "test", "nope", "--records", records}, "NotFound: "},
		{[]string{"module", "test", "nope", "--records", records, "--event", records}, "exactly one of --event and --records"},
		{[]string{"module", "test", "nope"}, "exactly one of --event and --records"},
		{[]string{"module", "test", "nope", "--event", records}, "--event"},
		{[]string{"module", "test", "nope", "--records", records, "--env", "NOEQUALS"}, "--env"},
		{[]string{"module", "test", "nope", "--records", writeFile(t, "empty", "")}, "no records"},
	} {
		_, err := sluice(t, ep, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sluice %s: %v, want it to mention %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if _, err := sluice(t, "http://127.0.0.1:1", "", "module", "list"); err == nil || !strings.Contains(err.Error(), "sluice serve") {
		t.Errorf("no server: %v, want a hint to run sluice serve", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
