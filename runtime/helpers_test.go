package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/testmain"
)

// testCacheDir is a compilation cache shared by the tests' runtimes, so
// the Go guests are compiled once per test run, not once per test.
var testCacheDir string

func TestMain(m *testing.M) {
	testmain.WithTempDir(m, "sluice-runtime-test-cache-", &testCacheDir)
}

// wasmFile reads a test module built by testdata/build.sh, failing (never
// skipping) when it was not built.
func wasmFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatalf("test module %s.wasm is missing (%v): run scripts/build-wasm.sh", name, err)
	}
	return b
}

// logSink collects what the runtime logs, as JSON lines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// entries returns the logged records whose message contains substr.
func (s *logSink) entries(substr string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(s.buf.String(), "\n") {
		if line == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			continue
		}
		if msg, _ := e["msg"].(string); strings.Contains(msg, substr) {
			out = append(out, e)
		}
	}
	return out
}

// newTestRuntime returns a Runtime closed by t.Cleanup and what it logs.
func newTestRuntime(t testing.TB, opts ...Option) (*Runtime, *logSink) {
	t.Helper()
	sink := &logSink{}
	logger := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, err := New(context.Background(), append([]Option{WithLogger(logger), WithCacheDir(testCacheDir)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(context.Background()); err != nil {
			t.Errorf("Runtime.Close: %v", err)
		}
	})
	return r, sink
}

// load loads testdata/<name>.wasm as name@1.
func load(t testing.TB, r *Runtime, name string, cfg ModuleConfig) *Module {
	t.Helper()
	m, err := r.Load(context.Background(), Ref{Name: name, Version: 1}, wasmFile(t, name), cfg)
	if err != nil {
		t.Fatalf("Load %s: %v", name, err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// batchOf makes a batch with one record per data string, ids "a", "b", ...
// (then "r26", "r27", ...).
func batchOf(data ...string) *Batch {
	b := &Batch{InvocationID: "inv-1", DeliveryStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/test", Region: "us-east-1"}
	for i, d := range data {
		id := fmt.Sprintf("r%d", i)
		if i < 26 {
			id = string(rune('a' + i))
		}
		b.Records = append(b.Records, Record{RecordID: id, ArrivalTime: time.UnixMilli(1700000000000 + int64(i)), Data: []byte(d)})
	}
	return b
}

// resultData returns id -> data of an Ok response, for comparisons.
func resultData(resp *Response) map[string]string {
	out := make(map[string]string, len(resp.Records))
	for _, r := range resp.Records {
		out[r.RecordID] = string(r.Data)
	}
	return out
}

// transformErr asserts err is a *TransformError of kind and returns it.
func transformErr(t testing.TB, err error, kind error) *TransformError {
	t.Helper()
	var te *TransformError
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T) is not a *TransformError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q: kind %v, want %v", err, te.Err, kind)
	}
	return te
}
