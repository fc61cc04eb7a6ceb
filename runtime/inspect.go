package runtime

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Kind is how a module talks to the host.
type Kind int

// The kinds of module sdk/ABI.md defines.
const (
	// KindSDKv1 exports sluice_abi_version_1: warm pooled instances, binary batches.
	KindSDKv1 Kind = iota + 1
	// KindWASICommand exports _start: one fresh instance per batch, JSON on stdin/stdout.
	KindWASICommand
)

// String names k as the CLI shows it.
func (k Kind) String() string {
	switch k {
	case KindSDKv1:
		return "sdk-abi-v1"
	case KindWASICommand:
		return "wasi-command"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Info describes a module.
type Info struct {
	Kind Kind
	// ABIVersion is the SDK ABI version (1); 0 for a WASI command.
	ABIVersion int
	// Exports are the exported function names, sorted.
	Exports []string
	// Imports are the imported functions as "module.name", sorted.
	Imports []string
	// Size is the length of the wasm in bytes.
	Size int
	// SHA256 is the hex SHA-256 of the wasm; modules are compiled once per digest.
	SHA256 string
	// MinMemoryBytes is the memory the module declares it needs to start.
	MinMemoryBytes uint64
}

func (i Info) clone() Info {
	i.Exports = slices.Clone(i.Exports)
	i.Imports = slices.Clone(i.Imports)
	return i
}

const abiVersionPrefix = "sluice_abi_version_"

var (
	i32  = api.ValueTypeI32
	sigs = map[string][2][]api.ValueType{ // name -> params, results
		"sluice_alloc":      {{i32}, {i32}},
		"sluice_transform":  {{i32, i32}, {i32}},
		"sluice.set_output": {{i32, i32}, nil},
		"sluice.log":        {{i32, i32, i32}, nil},
		"sluice.kv_get":     {{i32, i32, i32, i32, i32, i32}, {i32}},
		"env.abort":         {{i32, i32, i32, i32}, nil},
	}
)

// classify applies the rules of sdk/ABI.md to a compiled module.
func (r *Runtime) classify(cm wazero.CompiledModule) (Info, error) {
	var info Info
	exports := cm.ExportedFunctions()
	for name := range exports {
		info.Exports = append(info.Exports, name)
	}
	slices.Sort(info.Exports)
	for _, def := range cm.ImportedFunctions() {
		mod, name, _ := def.Import()
		full := mod + "." + name
		info.Imports = append(info.Imports, full)
		if err := r.checkImport(mod, name, def); err != nil {
			return info, err
		}
	}
	slices.Sort(info.Imports)
	for _, def := range cm.ImportedMemories() {
		mod, name, _ := def.Import()
		return info, fmt.Errorf("%w: module imports memory %s.%s; it must define and export its own", ErrInvalidModule, mod, name)
	}
	if mem, ok := cm.ExportedMemories()["memory"]; ok {
		info.MinMemoryBytes = uint64(mem.Min()) * wasmPage
	}

	versions := []int{}
	for _, name := range info.Exports {
		if v, ok := strings.CutPrefix(name, abiVersionPrefix); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return info, fmt.Errorf("%w: export %s does not name a version", ErrInvalidModule, name)
			}
			versions = append(versions, n)
		}
	}
	switch {
	case slices.Contains(versions, 1):
		info.Kind, info.ABIVersion = KindSDKv1, 1
		for _, name := range []string{"sluice_alloc", "sluice_transform"} {
			def, ok := exports[name]
			if !ok {
				return info, fmt.Errorf("%w: module exports sluice_abi_version_1 but not %s", ErrInvalidModule, name)
			}
			if err := checkSignature(name, def); err != nil {
				return info, err
			}
		}
		if _, ok := cm.ExportedMemories()["memory"]; !ok {
			return info, fmt.Errorf("%w: module exports sluice_abi_version_1 but not its memory as \"memory\"", ErrInvalidModule)
		}
		if exports["_start"] != nil && exports["_initialize"] == nil {
			return info, fmt.Errorf("%w: module exports sluice_abi_version_1 and _start but no _initialize: it was linked as a command, "+
				"and an SDK module must be a reactor (for Go: go build -buildmode=c-shared)", ErrInvalidModule)
		}
	case len(versions) > 0:
		return info, fmt.Errorf("%w: module was built for Sluice ABI v%d; this host supports v1", ErrUnsupportedABIVersion, versions[0])
	case exports["_start"] != nil:
		info.Kind = KindWASICommand
	default:
		return info, ErrUnknownABI
	}
	return info, nil
}

func (r *Runtime) checkImport(mod, name string, def api.FunctionDefinition) error {
	switch mod {
	case "wasi_snapshot_preview1":
		if _, ok := r.wasiDefs[name]; ok {
			return nil
		}
	case "sluice", "env":
		if _, ok := sigs[mod+"."+name]; ok {
			return checkSignature(mod+"."+name, def)
		}
	}
	return fmt.Errorf("%w: module imports %s.%s, which this host does not provide", ErrInvalidModule, mod, name)
}

func checkSignature(name string, def api.FunctionDefinition) error {
	want := sigs[name]
	if slices.Equal(def.ParamTypes(), want[0]) && slices.Equal(def.ResultTypes(), want[1]) {
		return nil
	}
	return fmt.Errorf("%w: %s has signature %s, want %s", ErrInvalidModule, name,
		sigString(def.ParamTypes(), def.ResultTypes()), sigString(want[0], want[1]))
}

func sigString(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(params) + " -> " + names(results)
}
