package transforms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/testmain"
	"github.com/sluice-io/sluice/runtime"
)

// cacheDir is a compilation cache shared by every Runtime of one test run,
// so each module is compiled once per run rather than once per test.
var cacheDir string

func TestMain(m *testing.M) {
	testmain.WithTempDir(m, "sluice-transforms-cache-", &cacheDir)
}

// readWasm reads a module built by scripts/build-wasm.sh, failing (never
// skipping) when it is missing. path is relative to this directory.
func readWasm(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("module %s is missing (%v): run make transforms (or bash scripts/build-wasm.sh)", path, err)
	}
	return b
}

// newRuntime returns a Runtime on the shared compilation cache, closed by
// t.Cleanup.
func newRuntime(t testing.TB, opts ...runtime.Option) *runtime.Runtime {
	t.Helper()
	r, err := runtime.New(context.Background(), append([]runtime.Option{runtime.WithCacheDir(cacheDir)}, opts...)...)
	if err != nil {
		t.Fatalf("runtime.New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(context.Background()); err != nil {
			t.Errorf("Runtime.Close: %v", err)
		}
	})
	return r
}

// load loads the module at path as name@1 with cfg, closed by t.Cleanup.
func load(t testing.TB, r *runtime.Runtime, name, path string, cfg runtime.ModuleConfig) *runtime.Module {
	t.Helper()
	m, err := r.Load(context.Background(), runtime.Ref{Name: name, Version: 1}, readWasm(t, path), cfg)
	if err != nil {
		t.Fatalf("Load %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := m.Close(context.Background()); err != nil {
			t.Errorf("Module.Close %s: %v", name, err)
		}
	})
	return m
}

// baseArrival is the arrival time of records that do not set their own.
var baseArrival = time.Date(2025, 10, 12, 8, 0, 0, 0, time.UTC)

// rec is one input record of a table and what the transform must answer.
type rec struct {
	name    string
	data    string
	arrival time.Time                // zero: baseArrival
	kinesis *runtime.KinesisMetadata // nil: direct put
	want    want
}

// want is the expected answer for one record.
type want struct {
	status runtime.Status
	// json, for Ok: the new data must be this JSON value. It is compared
	// parsed, field by field, with numbers as written (1.50 is not 1.5).
	json string
	// text, for Ok when json is empty: the new data, byte for byte.
	text string
	// keys are the partition keys the answer must carry (none when nil).
	keys map[string]string
	// err, for ProcessingFailed: the error message. A message ending in
	// "…" only has to start with what precedes it.
	err string
}

func okJSON(s string) want { return want{status: runtime.StatusOk, json: s} }
func okText(s string) want { return want{status: runtime.StatusOk, text: s} }
func dropped() want        { return want{status: runtime.StatusDropped} }
func failed(msg string) want {
	return want{status: runtime.StatusProcessingFailed, err: msg}
}

// withKeys returns w expecting partition keys kv ("k1", "v1", "k2", "v2", …).
func (w want) withKeys(kv ...string) want {
	w.keys = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		w.keys[kv[i]] = kv[i+1]
	}
	return w
}

// batchOf makes one batch of recs; record i has id "r<i>".
func batchOf(recs []rec) *runtime.Batch {
	b := &runtime.Batch{
		InvocationID:      "inv-transforms-test",
		DeliveryStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/test",
		Region:            "us-east-1",
	}
	for i, r := range recs {
		at := r.arrival
		if at.IsZero() {
			at = baseArrival
		}
		b.Records = append(b.Records, runtime.Record{
			RecordID: fmt.Sprintf("r%d", i), ArrivalTime: at, Data: []byte(r.data), Kinesis: r.kinesis,
		})
	}
	return b
}

// runRecords sends recs to m as one batch and checks every answer, one
// subtest per record.
func runRecords(t *testing.T, m *runtime.Module, recs []rec) {
	t.Helper()
	resp, err := m.Transform(t.Context(), batchOf(recs))
	if err != nil {
		t.Fatalf("Transform: %v", err)
	}
	byID := make(map[string]runtime.Result, len(resp.Records))
	for _, res := range resp.Records {
		byID[res.RecordID] = res
	}
	for i, r := range recs {
		t.Run(r.name, func(t *testing.T) {
			res, ok := byID[fmt.Sprintf("r%d", i)]
			if !ok {
				t.Fatalf("record r%d not answered", i)
			}
			checkResult(t, r, res)
		})
	}
}

// checkResult compares one answer with r.want.
func checkResult(t *testing.T, r rec, res runtime.Result) {
	t.Helper()
	w := r.want
	if res.Status != w.status {
		t.Fatalf("input %q: result %v (data %q, error %q), want %v", r.data, res.Status, res.Data, res.ErrorMessage, w.status)
	}
	switch w.status {
	case runtime.StatusOk:
		if w.json != "" {
			assertJSON(t, res.Data, w.json)
		} else if string(res.Data) != w.text {
			t.Errorf("input %q: data\n got %q\nwant %q", r.data, res.Data, w.text)
		}
		if res.ErrorMessage != "" {
			t.Errorf("Ok answer carries error message %q", res.ErrorMessage)
		}
	case runtime.StatusDropped:
		if len(res.Data) != 0 {
			t.Errorf("Dropped answer carries data %q", res.Data)
		}
	case runtime.StatusProcessingFailed:
		if !bytes.Equal(res.Data, []byte(r.data)) {
			t.Errorf("ProcessingFailed data is %q, want the original %q", res.Data, r.data)
		}
		if prefix, ok := strings.CutSuffix(w.err, "…"); ok {
			if !strings.HasPrefix(res.ErrorMessage, prefix) {
				t.Errorf("input %q: error %q, want one starting with %q", r.data, res.ErrorMessage, prefix)
			}
		} else if res.ErrorMessage != w.err {
			t.Errorf("input %q: error\n got %q\nwant %q", r.data, res.ErrorMessage, w.err)
		}
	}
	if !maps.Equal(res.PartitionKeys, w.keys) {
		t.Errorf("partition keys %v, want %v", res.PartitionKeys, w.keys)
	}
}

// assertJSON checks that got holds the same JSON value as want: the same
// fields, element by element, with numbers compared as written.
func assertJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	g, err := decodeJSON(got)
	if err != nil {
		t.Fatalf("data %q is not JSON: %v", got, err)
	}
	w, err := decodeJSON([]byte(want))
	if err != nil {
		t.Fatalf("bad test: want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("data\n got %s\nwant %s", got, want)
	}
}

// decodeJSON parses exactly one JSON value, keeping numbers as written.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// suite is one configuration of a transform (its parameters) and either
// the records to send under it or the error every batch must fail with.
type suite struct {
	name string
	env  map[string]string
	recs []rec
	// batchErr, when set, is the whole error Transform must return: a
	// guest error (the transform refusing its configuration).
	batchErr string
}

// runSuites loads the module at path once per suite, with the suite's
// parameters as its environment, and checks its answers.
func runSuites(t *testing.T, name, path string, suites []suite) {
	t.Helper()
	r := newRuntime(t)
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			m := load(t, r, name, path, runtime.ModuleConfig{Grants: runtime.Grants{Env: s.env}})
			if s.batchErr == "" {
				runRecords(t, m, s.recs)
				return
			}
			recs := s.recs
			if len(recs) == 0 {
				recs = []rec{{name: "any", data: `{"a":1}`}}
			}
			_, err := m.Transform(t.Context(), batchOf(recs))
			assertTransformError(t, err, runtime.ErrGuest, s.batchErr)
		})
	}
}

// assertTransformError checks that err is a *runtime.TransformError of
// kind whose whole message is msg.
func assertTransformError(t testing.TB, err error, kind error, msg string) {
	t.Helper()
	var te *runtime.TransformError
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T), want a *runtime.TransformError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error %q is of kind %v, want %v", err, te.Err, kind)
	}
	if err.Error() != msg {
		t.Errorf("error\n got %q\nwant %q", err, msg)
	}
}
