package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/internal/testmain"
	"github.com/sluice-io/sluice/runtime"
)

// cacheDir is the compilation cache every test's runtime shares.
var cacheDir string

func TestMain(m *testing.M) {
	testmain.WithTempDir(m, "sluice-rest-test-", &cacheDir)
}

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

// testServer is the API on a real JetStream server and a real runtime,
// served by httptest.
type testServer struct {
	*httptest.Server
	api *API
	reg *modules.Registry
}

func newTestServer(t testing.TB, cfg modules.Config, opts ...Option) *testServer {
	t.Helper()
	ctx := context.Background()
	js := jstest.Start(t, "")
	rt, err := runtime.New(ctx, runtime.WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := modules.Open(ctx, js.JS, rt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(reg, rt, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		if err := api.Close(ctx); err != nil {
			t.Errorf("API.Close: %v", err)
		}
		rt.Close(ctx)
	})
	return &testServer{Server: srv, api: api, reg: reg}
}

// do sends a request and returns the status and the body.
func (s *testServer) do(t testing.TB, method, path string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// call sends a request and decodes the JSON answer into out when the
// status is want; otherwise it fails the test.
func (s *testServer) call(t testing.TB, method, path string, body []byte, want int, out any) {
	t.Helper()
	status, b := s.do(t, method, path, bytes.NewReader(body))
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// event encodes a Firehose test event of the given records (ids r0, r1...).
func event(t testing.TB, data ...string) []byte {
	t.Helper()
	b := &runtime.Batch{InvocationID: "test", Region: "us-east-1"}
	for i, d := range data {
		b.Records = append(b.Records, runtime.Record{RecordID: "r" + string(rune('0'+i)), Data: []byte(d)})
	}
	ev, err := runtime.EncodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// firehoseResponse is the Firehose response JSON.
type firehoseResponse struct {
	Records []struct {
		RecordID     string `json:"recordId"`
		Result       string `json:"result"`
		Data         []byte `json:"data"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"records"`
}
