package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/internal/testmain"
	"github.com/sluice-io/sluice/runtime"
)

// testWasm reads a module built by scripts/build-wasm.sh (path relative to
// the repository root), failing (never skipping) when it was not built.
func testWasm(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatalf("test module %s is missing (%v): run scripts/build-wasm.sh", path, err)
	}
	return b
}

// cacheDir is the compilation cache every test's runtime shares, so each
// module is compiled once per run (a Go-built module takes seconds).
var cacheDir string

func TestMain(m *testing.M) {
	testmain.WithTempDir(m, "sluice-modules-test-", &cacheDir)
}

// newRuntime returns a runtime with the shared disk cache, closed by t.Cleanup.
func newRuntime(t testing.TB) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(context.Background(), runtime.WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

// openRegistry opens a registry on a real JetStream server on dir.
func openRegistry(t testing.TB, dir string, cfg Config) (*Registry, *jstest.Server) {
	t.Helper()
	js := jstest.Start(t, dir)
	reg, err := Open(context.Background(), js.JS, newRuntime(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return reg, js
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestPushDescribeResolve(t *testing.T) {
	ctx := context.Background()
	reg, _ := openRegistry(t, "", Config{})
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	identity := testWasm(t, "runtime/testdata/c_identity.wasm")
	wasi := testWasm(t, "runtime/testdata/wasi_upper.wasm")

	before := time.Now().Add(-time.Second)
	for i, tc := range []struct {
		name string
		wasm []byte
		abi  string
	}{
		{"upper", upper, "sdk-abi-v1"},
		{"upper", identity, "sdk-abi-v1"},
		{"wasi_upper", wasi, "wasi-command"},
		{"upper", upper, "sdk-abi-v1"}, // the same bytes again still make a new version
	} {
		v, err := reg.Push(ctx, tc.name, tc.wasm)
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		if v.Name != tc.name || v.SHA256 != sum(tc.wasm) || v.Size != int64(len(tc.wasm)) || v.ABI != tc.abi || v.Uploaded.Before(before) {
			t.Errorf("push %d: %+v", i, v)
		}
	}

	vs, err := reg.Describe(ctx, "upper")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].Version != 1 || vs[1].Version != 2 || vs[2].Version != 3 {
		t.Fatalf("describe upper: %+v", vs)
	}
	if vs[1].SHA256 != sum(identity) || vs[1].Size != int64(len(identity)) || vs[1].ABI != "sdk-abi-v1" || vs[1].Uploaded.IsZero() {
		t.Errorf("upper@2: %+v", vs[1])
	}

	list, err := reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "upper" || list[0].Versions != 3 || list[0].Latest.Version != 3 ||
		list[1].Name != "wasi_upper" || list[1].Versions != 1 || list[1].Latest.ABI != "wasi-command" {
		t.Errorf("list: %+v", list)
	}

	for _, tc := range []struct {
		ref  string
		want runtime.Ref
		wasm []byte
	}{
		{"upper", runtime.Ref{Name: "upper", Version: 3}, upper},
		{"upper@2", runtime.Ref{Name: "upper", Version: 2}, identity},
		{"upper@1", runtime.Ref{Name: "upper", Version: 1}, upper},
		{"wasi_upper", runtime.Ref{Name: "wasi_upper", Version: 1}, wasi},
	} {
		ref, wasm, err := reg.Resolve(ctx, tc.ref)
		if err != nil || ref != tc.want || sum(wasm) != sum(tc.wasm) {
			t.Errorf("resolve %s: %v %d bytes %v", tc.ref, ref, len(wasm), err)
		}
	}
	for _, ref := range []string{"upper@4", "nope", "nope@1"} {
		if _, _, err := reg.Resolve(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("resolve %s: %v, want ErrNotFound", ref, err)
		}
	}
	for _, ref := range []string{"bad name", "upper@0", "upper@x", "upper@", "@1", "upper@-1", "upper@+1"} {
		if _, _, err := reg.Resolve(ctx, ref); !errors.Is(err, ErrInvalidRef) && !errors.Is(err, ErrInvalidName) {
			t.Errorf("resolve %q: %v, want ErrInvalidRef or ErrInvalidName", ref, err)
		}
	}
	if _, err := reg.Describe(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("describe nope: %v", err)
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	reg, _ := openRegistry(t, "", Config{})
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	for range 3 {
		if _, err := reg.Push(ctx, "m", upper); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := reg.Remove(ctx, "m@3")
	if err != nil || !slices.Equal(removed, []runtime.Ref{{Name: "m", Version: 3}}) {
		t.Fatalf("remove m@3: %v %v", removed, err)
	}
	if _, err := reg.Remove(ctx, "m@3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove m@3: %v, want ErrNotFound", err)
	}
	if ref, _, err := reg.Resolve(ctx, "m"); err != nil || ref.Version != 2 {
		t.Errorf("newest after removing m@3: %v %v, want m@2", ref, err)
	}
	// A removed number is never handed out again: m@3 names one module forever.
	v, err := reg.Push(ctx, "m", upper)
	if err != nil || v.Version != 4 {
		t.Fatalf("push after remove: %+v %v, want version 4", v, err)
	}
	removed, err = reg.Remove(ctx, "m")
	if err != nil || !slices.Equal(removed, []runtime.Ref{{Name: "m", Version: 1}, {Name: "m", Version: 2}, {Name: "m", Version: 4}}) {
		t.Fatalf("remove m: %v %v", removed, err)
	}
	if _, err := reg.Describe(ctx, "m"); !errors.Is(err, ErrNotFound) {
		t.Errorf("describe after remove: %v", err)
	}
	if list, err := reg.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("list after remove: %+v %v", list, err)
	}
	if _, err := reg.Remove(ctx, "m"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove of a removed module: %v, want ErrNotFound", err)
	}
	if _, err := reg.Remove(ctx, "x y"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("remove of a bad name: %v, want ErrInvalidName", err)
	}
}

// state is what a bad upload must leave as it was: every message of the
// object store and of the version counters.
type streamState struct{ msgs, bytes, first, last uint64 }

func state(t *testing.T, js jetstream.JetStream) [2]streamState {
	t.Helper()
	var out [2]streamState
	for i, name := range []string{"OBJ_" + DefaultBucket, "KV_" + DefaultCounterBucket} {
		s, err := js.Stream(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st := info.State
		out[i] = streamState{st.Msgs, st.Bytes, st.FirstSeq, st.LastSeq}
	}
	return out
}

func TestBadUploadsStoreNothing(t *testing.T) {
	ctx := context.Background()
	reg, js := openRegistry(t, "", Config{MaxSize: 1 << 20})
	good := testWasm(t, "runtime/testdata/c_upper.wasm")
	if _, err := reg.Push(ctx, "good", good); err != nil {
		t.Fatal(err)
	}
	big := append(slices.Clone(good), make([]byte, 1<<20)...) // valid prefix, over the limit
	for _, tc := range []struct {
		desc, name string
		wasm       []byte
		err        []error
		message    string
	}{
		{"not wasm", "good", testWasm(t, "runtime/testdata/notwasm.wasm"), []error{ErrInvalidModule, runtime.ErrNotWasm}, "does not start with the WebAssembly magic"},
		{"truncated", "good", testWasm(t, "runtime/testdata/truncated.wasm"), []error{ErrInvalidModule, runtime.ErrNotWasm}, "invalid module: not a valid WebAssembly module"},
		{"empty", "good", nil, []error{ErrInvalidModule, runtime.ErrNotWasm}, "WebAssembly magic"},
		{"unknown ABI", "good", testWasm(t, "runtime/testdata/neither.wasm"), []error{ErrInvalidModule, runtime.ErrUnknownABI}, "exports neither sluice_abi_version_1 nor _start"},
		{"ABI v2", "good", testWasm(t, "runtime/testdata/abi2.wasm"), []error{ErrInvalidModule, runtime.ErrUnsupportedABIVersion}, "built for Sluice ABI v2"},
		{"bad import", "new", testWasm(t, "runtime/testdata/badimport.wasm"), []error{ErrInvalidModule, runtime.ErrInvalidModule}, "push new: invalid module: module imports sluice.open_socket"},
		{"too large", "good", big, []error{ErrTooLarge}, "the limit is 1048576 bytes"},
		{"bad name", "bad/name", good, []error{ErrInvalidName}, `"bad/name"`},
		{"empty name", "", good, []error{ErrInvalidName}, "invalid module name"},
		{"long name", strings.Repeat("a", 65), good, []error{ErrInvalidName}, "invalid module name"},
		{"dotted name", "a.b", good, []error{ErrInvalidName}, "invalid module name"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			before := state(t, js.JS)
			_, err := reg.Push(ctx, tc.name, tc.wasm)
			for _, want := range tc.err {
				if !errors.Is(err, want) {
					t.Errorf("error %v, want %v", err, want)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %v, want it to contain %q", err, tc.message)
			}
			if after := state(t, js.JS); after != before {
				t.Errorf("a bad upload changed the buckets: %+v -> %+v", before, after)
			}
		})
	}
	if vs, err := reg.Describe(ctx, "good"); err != nil || len(vs) != 1 {
		t.Errorf("describe good: %+v %v", vs, err)
	}
	if v, err := reg.Push(ctx, "good", good); err != nil || v.Version != 2 {
		t.Errorf("push after bad uploads: %+v %v, want version 2", v, err)
	}
	name := strings.Repeat("a", 64) // the longest name is fine
	if _, err := reg.Push(ctx, name, good); err != nil {
		t.Errorf("push of a 64-character name: %v", err)
	}
}

// TestConcurrentPushes: pushes of one name racing each other (and from two
// registries on one server, as two hosts would) get distinct versions.
func TestConcurrentPushes(t *testing.T) {
	ctx := context.Background()
	reg, js := openRegistry(t, "", Config{})
	reg2, err := Open(ctx, js.JS, newRuntime(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	wasm := testWasm(t, "runtime/testdata/c_identity.wasm")
	const n = 16
	versions := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		r := reg
		if i%2 == 1 {
			r = reg2
		}
		wg.Go(func() {
			v, err := r.Push(ctx, "race", wasm)
			versions[i], errs[i] = v.Version, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("versions %v, want 1..%d each once", versions, n)
		}
	}
	vs, err := reg.Describe(ctx, "race")
	if err != nil || len(vs) != n {
		t.Fatalf("describe: %d versions, %v", len(vs), err)
	}
}

// TestCounterBehind: if the counter is behind the objects (restored from an
// old backup, say), a push skips the taken numbers instead of overwriting.
func TestCounterBehind(t *testing.T) {
	ctx := context.Background()
	reg, js := openRegistry(t, "", Config{})
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	identity := testWasm(t, "runtime/testdata/c_identity.wasm")
	for range 2 {
		if _, err := reg.Push(ctx, "m", upper); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.JS.KeyValue(ctx, DefaultCounterBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "m", []byte("0")); err != nil {
		t.Fatal(err)
	}
	v, err := reg.Push(ctx, "m", identity)
	if err != nil || v.Version != 3 {
		t.Fatalf("push with the counter behind: %+v %v, want version 3", v, err)
	}
	for ver, want := range map[string][]byte{"m@1": upper, "m@2": upper, "m@3": identity} {
		if _, wasm, err := reg.Resolve(ctx, ver); err != nil || sum(wasm) != sum(want) {
			t.Errorf("%s changed: %v", ver, err)
		}
	}
}

func TestSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	reg, js := openRegistry(t, dir, Config{})
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	wasi := testWasm(t, "runtime/testdata/wasi_upper.wasm")
	for _, p := range []struct {
		name string
		wasm []byte
	}{{"a", upper}, {"a", upper}, {"b", wasi}} {
		if _, err := reg.Push(ctx, p.name, p.wasm); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.Remove(ctx, "a@2"); err != nil {
		t.Fatal(err)
	}
	want, err := reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js.Stop()

	reg, _ = openRegistry(t, dir, Config{})
	got, err := reg.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("after restart: %+v, before: %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Versions != w.Versions || g.Latest.Version != w.Latest.Version || g.Latest.SHA256 != w.Latest.SHA256 ||
			g.Latest.Size != w.Latest.Size || g.Latest.ABI != w.Latest.ABI || !g.Latest.Uploaded.Equal(w.Latest.Uploaded) {
			t.Errorf("after restart %+v, before %+v", g, w)
		}
	}
	if _, wasm, err := reg.Resolve(ctx, "b@1"); err != nil || sum(wasm) != sum(wasi) {
		t.Errorf("resolve b@1 after restart: %v", err)
	}
	if v, err := reg.Push(ctx, "a", upper); err != nil || v.Version != 3 {
		t.Errorf("push after restart: %+v %v, want version 3", v, err)
	}
}
