package runtime

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	r, _ := newTestRuntime(t)
	for _, tc := range []struct {
		module  string
		kind    Kind
		err     error
		message string
	}{
		{module: "c_identity", kind: KindSDKv1},
		{module: "c_enrich", kind: KindSDKv1},
		{module: "wasi_upper", kind: KindWASICommand},
		{module: "abi2", err: ErrUnsupportedABIVersion, message: "module was built for Sluice ABI v2; this host supports v1"},
		{module: "neither", err: ErrUnknownABI, message: "module exports neither sluice_abi_version_1 nor _start"},
		{module: "notwasm", err: ErrNotWasm, message: "does not start with the WebAssembly magic"},
		{module: "truncated", err: ErrNotWasm, message: "not a valid WebAssembly module: "},
		{module: "command_abi", err: ErrInvalidModule, message: "linked as a command, and an SDK module must be a reactor (for Go: go build -buildmode=c-shared)"},
		{module: "badimport", err: ErrInvalidModule, message: "module imports sluice.open_socket, which this host does not provide"},
	} {
		t.Run(tc.module, func(t *testing.T) {
			wasm := wasmFile(t, tc.module)
			info, err := r.Inspect(context.Background(), wasm)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("error %v, want %v containing %q", err, tc.err, tc.message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.Kind != tc.kind || info.Size != len(wasm) || len(info.SHA256) != 64 {
				t.Errorf("info %+v", info)
			}
			if tc.kind == KindSDKv1 && (info.ABIVersion != 1 || !slices.Contains(info.Exports, "sluice_transform")) {
				t.Errorf("info %+v", info)
			}
		})
	}
	info, err := r.Inspect(context.Background(), wasmFile(t, "c_enrich"))
	if err != nil || !slices.Contains(info.Imports, "sluice.kv_get") || !slices.Contains(info.Imports, "sluice.log") {
		t.Errorf("c_enrich imports %v (%v)", info.Imports, err)
	}
}

// TestCompileOnce: loading the same bytes twice shares one compilation,
// released when the last module closes.
func TestCompileOnce(t *testing.T) {
	r, _ := newTestRuntime(t)
	ctx := context.Background()
	wasm := wasmFile(t, "c_identity")
	m1, err := r.Load(ctx, Ref{Name: "a", Version: 1}, wasm, ModuleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := r.Load(ctx, Ref{Name: "b", Version: 2}, wasm, ModuleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if m1.c != m2.c || len(r.compiled) != 1 || m1.c.refs != 2 {
		t.Fatalf("two loads of one module compiled %d times (refs %d)", len(r.compiled), m1.c.refs)
	}
	_ = m1.Close(ctx)
	_ = m2.Close(ctx)
	if len(r.compiled) != 0 {
		t.Errorf("%d compiled modules kept after every module closed", len(r.compiled))
	}
	if _, err := m1.Transform(ctx, batchOf("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Transform after Close: %v", err)
	}
}
