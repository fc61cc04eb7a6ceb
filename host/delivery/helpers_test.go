package delivery

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/internal/testmain"
	"github.com/sluice-io/sluice/runtime"
)

// testCacheDir is a wazero compilation cache shared by the tests.
var testCacheDir string

func TestMain(m *testing.M) {
	testmain.WithTempDir(m, "sluice-delivery-test-cache-", &testCacheDir)
}

// env is a host on a real JetStream server: data streams, a module
// registry, a runtime and a delivery Manager.
type env struct {
	t    *testing.T
	dir  string
	js   *jstest.Server
	rt   *runtime.Runtime
	reg  *modules.Registry
	eng  *streams.Engine
	m    *Manager
	prom *prometheus.Registry
	// cfg is the Manager's Config on every open.
	cfg Config
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with the Manager's Config changed by tune.
func newEnvWith(t *testing.T, tune func(*Config)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), prom: prometheus.NewRegistry(),
		cfg: Config{BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, DrainTimeout: 2 * time.Second,
			OutputRoot: testOutputRoot()}}
	if tune != nil {
		tune(&e.cfg)
	}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	t := e.t
	t.Helper()
	ctx := context.Background()
	e.js = jstest.Start(t, e.dir)
	rt, err := runtime.New(ctx, runtime.WithCacheDir(testCacheDir), runtime.WithKV(e.js.JS))
	if err != nil {
		t.Fatal(err)
	}
	e.rt = rt
	if e.reg, err = modules.Open(ctx, e.js.JS, rt, modules.Config{}); err != nil {
		t.Fatal(err)
	}
	if e.eng, err = streams.Open(ctx, e.js.Conn, streams.Config{}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.m, err = Open(ctx, e.js.Conn, Deps{Streams: e.eng, Modules: e.reg, Runtime: rt, Metrics: e.prom, Logger: log}, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
}

// close stops the Manager, the runtime and the server (a clean shutdown).
func (e *env) close() {
	if e.m == nil {
		return
	}
	if err := e.m.Close(); err != nil {
		e.t.Errorf("close manager: %v", err)
	}
	_ = e.eng.Close()
	_ = e.rt.Close(context.Background())
	e.js.Stop()
	e.m = nil
}

// restart closes everything and opens it again on the same JetStream dir.
func (e *env) restart() {
	e.close()
	e.open()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// push stores a module built by the project's build from path (relative
// to the repository root) under name.
func (e *env) push(name, path string) {
	e.t.Helper()
	wasm, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		e.t.Fatalf("module %s is missing (%v): run `bash scripts/build-wasm.sh` at the repository root", path, err)
	}
	if _, err := e.reg.Push(context.Background(), name, wasm); err != nil {
		e.t.Fatalf("push %s: %v", name, err)
	}
}

func (e *env) create(def Definition) *Definition {
	e.t.Helper()
	out, err := e.m.Create(context.Background(), def)
	if err != nil {
		e.t.Fatalf("create %s: %v", def.Name, err)
	}
	return out
}

// put sends records to a direct-put delivery stream in puts of at most
// 500, failing on any per-record error.
func (e *env) put(name string, records [][]byte) []string {
	e.t.Helper()
	var ids []string
	for len(records) > 0 {
		n := min(len(records), MaxPutRecords)
		res, err := e.m.Put(context.Background(), name, records[:n])
		if err != nil {
			e.t.Fatalf("put: %v", err)
		}
		for _, r := range res {
			if r.Err != nil {
				e.t.Fatalf("put record: %v", r.Err)
			}
			ids = append(ids, r.RecordID)
		}
		records = records[n:]
	}
	return ids
}

func intp(v int) *int { return &v }

// testOutputRoot is the output root of the tests' Managers: the directory
// t.TempDir makes its directories in, so the folders tests make are
// inside it (its symbolic links resolved, as the Manager resolves them).
func testOutputRoot() string {
	dir, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		return os.TempDir()
	}
	return dir
}

// folderDef is a direct-put delivery stream to a folder with a 0 s interval.
func folderDef(name, dir string) Definition {
	return Definition{
		Name:        name,
		Buffering:   Buffering{IntervalSeconds: intp(0)},
		Destination: Destination{Kind: DestFolder, Folder: &FolderDest{Path: dir}},
	}
}

// objects returns every file under dir (but temporary ones) by key, with
// their contents.
func objects(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if info.IsDir() || strings.HasPrefix(info.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sortedKeys returns the keys of objs with the given prefix, sorted.
func sortedKeys(objs map[string][]byte, prefix string) []string {
	var ks []string
	for k := range objs {
		if strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// lines splits JSON lines objects into records.
func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// waitFor polls cond until it holds, failing the test after a generous
// limit (this is not a timing assertion: the limit only ends a hang).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 60*time.Second, what, cond)
}

// waitWithin is waitFor with a limit of its own, for waits whose work is
// large (the limit only ends a hang: a slow machine must not fail them).
func waitWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCheckpoint waits until a delivery stream has delivered up to seq.
func (e *env) waitCheckpoint(name string, seq uint64) {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("%s to deliver up to %d", name, seq), func() bool {
		_, st, err := e.m.Describe(context.Background(), name)
		return err == nil && st.Checkpoint >= seq
	})
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// status describes a delivery stream, failing the test on an error.
func (e *env) status(name string) Status {
	e.t.Helper()
	_, st, err := e.m.Describe(context.Background(), name)
	if err != nil {
		e.t.Fatalf("describe %s: %v", name, err)
	}
	return st
}

// waitState waits until a delivery stream is in state.
func (e *env) waitState(name, state string) Status {
	e.t.Helper()
	var st Status
	waitFor(e.t, name+" to be "+state, func() bool {
		st = e.status(name)
		return st.State == state
	})
	return st
}

// metric returns the value of a gauge or counter series of e's registry,
// or -1 when there is no such series.
func (e *env) metric(name string, labels map[string]string) float64 {
	e.t.Helper()
	fams, err := e.prom.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

// block makes a folder destination unusable (a file where its directory
// was) and returns what undoes it. Both swaps are atomic, so a pipeline
// retrying meanwhile never finds the path missing and makes a new
// directory there.
func block(t *testing.T, dir string) (unblock func()) {
	t.Helper()
	file := dir + ".blocker"
	if err := os.WriteFile(file, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	swap := func() {
		t.Helper()
		if err := unix.Renameat2(unix.AT_FDCWD, file, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE); err != nil {
			t.Fatalf("swap %s and %s: %v", file, dir, err)
		}
	}
	swap()
	return swap
}

// putStream puts records to a data stream (partition keys 0..n-1) and
// returns the last sequence stored.
func (e *env) putStream(name string, recs [][]byte) uint64 {
	e.t.Helper()
	var last uint64
	for len(recs) > 0 {
		n := min(len(recs), streams.MaxPutRecords)
		batch := make([]streams.Record, n)
		for i := range batch {
			batch[i] = streams.Record{PartitionKey: fmt.Sprint(i), Data: recs[i]}
		}
		res, err := e.eng.PutRecords(context.Background(), name, batch)
		if err != nil {
			e.t.Fatalf("put to %s: %v", name, err)
		}
		for _, r := range res {
			if r.Err != nil {
				e.t.Fatalf("put to %s: %v", name, r.Err)
			}
			seq, err := strconv.ParseUint(r.SequenceNumber, 10, 64)
			if err != nil {
				e.t.Fatal(err)
			}
			last = max(last, seq)
		}
		recs = recs[n:]
	}
	return last
}

// putPos writes a position as a crash might have left it (a blind put, not
// fenced): tests call it while no pipeline runs the delivery stream.
func (s *store) putPos(ctx context.Context, name string, p position) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = s.kv.Put(ctx, posPrefix+keyName(name), b)
	return err
}
