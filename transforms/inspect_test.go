package transforms

import (
	"slices"
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

// TestInspect checks that the runtime classifies every shipped transform
// and every benchmark module as the kind it was built to be.
func TestInspect(t *testing.T) {
	r := newRuntime(t)
	type module struct {
		path string
		kind runtime.Kind
	}
	modules := []module{
		{projectWasm, runtime.KindSDKv1},
		{enrichWasm, runtime.KindSDKv1},
		{syslogWasm, runtime.KindWASICommand},
		{csvWasm, runtime.KindSDKv1},
		{redactWasm, runtime.KindSDKv1},
		{filterWasm, runtime.KindSDKv1},
		{partitionWasm, runtime.KindSDKv1},
	}
	for _, u := range upperModules {
		modules = append(modules, module{u.path, u.kind})
	}
	for _, mod := range modules {
		t.Run(mod.path, func(t *testing.T) {
			info, err := r.Inspect(t.Context(), readWasm(t, mod.path))
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if info.Kind != mod.kind {
				t.Errorf("kind %v, want %v", info.Kind, mod.kind)
			}
			switch mod.kind {
			case runtime.KindSDKv1:
				if info.ABIVersion != 1 {
					t.Errorf("ABI version %d, want 1", info.ABIVersion)
				}
				for _, name := range []string{"sluice_abi_version_1", "sluice_alloc", "sluice_transform"} {
					if !slices.Contains(info.Exports, name) {
						t.Errorf("exports %v lack %s", info.Exports, name)
					}
				}
				if slices.Contains(info.Exports, "_start") {
					t.Errorf("an SDK module exports _start: %v", info.Exports)
				}
			case runtime.KindWASICommand:
				if info.ABIVersion != 0 || !slices.Contains(info.Exports, "_start") {
					t.Errorf("WASI command: ABI version %d, exports %v", info.ABIVersion, info.Exports)
				}
			}
		})
	}
}
