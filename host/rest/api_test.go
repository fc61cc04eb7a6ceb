package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/runtime"
)

func TestModuleRoutes(t *testing.T) {
	s := newTestServer(t, modules.Config{})
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	identity := testWasm(t, "runtime/testdata/c_identity.wasm")

	var v ModuleVersion
	s.call(t, "POST", "/v1/modules/upper", upper, http.StatusCreated, &v)
	if v.Name != "upper" || v.Version != 1 || v.Size != int64(len(upper)) || len(v.SHA256) != 64 || v.ABI != "sdk-abi-v1" || v.Uploaded.IsZero() {
		t.Errorf("push answered %+v", v)
	}
	s.call(t, "POST", "/v1/modules/upper", identity, http.StatusCreated, &v)
	if v.Version != 2 {
		t.Errorf("second push answered version %d", v.Version)
	}
	s.call(t, "POST", "/v1/modules/other", identity, http.StatusCreated, nil)

	var list ModuleList
	s.call(t, "GET", "/v1/modules", nil, http.StatusOK, &list)
	if len(list.Modules) != 2 || list.Modules[0].Name != "other" || list.Modules[1].Versions != 2 || list.Modules[1].Latest.Version != 2 {
		t.Errorf("list answered %+v", list)
	}
	var desc ModuleDescription
	s.call(t, "GET", "/v1/modules/upper", nil, http.StatusOK, &desc)
	if desc.Name != "upper" || len(desc.Versions) != 2 || desc.Versions[0].Size != int64(len(upper)) || desc.Versions[1].Size != int64(len(identity)) {
		t.Errorf("describe answered %+v", desc)
	}

	var rm Removed
	s.call(t, "DELETE", "/v1/modules/upper/versions/1", nil, http.StatusOK, &rm)
	if len(rm.Removed) != 1 || rm.Removed[0] != (Ref{Name: "upper", Version: 1}) {
		t.Errorf("remove upper@1 answered %+v", rm)
	}
	s.call(t, "DELETE", "/v1/modules/upper", nil, http.StatusOK, &rm)
	if len(rm.Removed) != 1 || rm.Removed[0] != (Ref{Name: "upper", Version: 2}) {
		t.Errorf("remove upper answered %+v", rm)
	}
	s.call(t, "GET", "/v1/modules", nil, http.StatusOK, &list)
	if len(list.Modules) != 1 {
		t.Errorf("list after removal answered %+v", list)
	}
}

func TestErrors(t *testing.T) {
	const limit = 64 << 10
	s := newTestServer(t, modules.Config{MaxSize: limit}, WithMaxEventBytes(1<<10))
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	s.call(t, "POST", "/v1/modules/upper", upper, http.StatusCreated, nil)
	s.call(t, "POST", "/v1/modules/trap", testWasm(t, "runtime/testdata/trap.wasm"), http.StatusCreated, nil)
	big := bytes.Repeat([]byte{0}, limit+1)

	for _, tc := range []struct {
		desc, method, path string
		body               io.Reader
		status             int
		code, message      string
	}{
		{"bad name", "POST", "/v1/modules/a.b", bytes.NewReader(upper), 400, CodeInvalidName, `invalid module name "a.b"`},
		{"long name", "POST", "/v1/modules/" + strings.Repeat("x", 65), bytes.NewReader(upper), 400, CodeInvalidName, "invalid module name"},
		{"not wasm", "POST", "/v1/modules/x", strings.NewReader("hello"), 400, CodeInvalidModule, "does not start with the WebAssembly magic"},
		{"unknown ABI", "POST", "/v1/modules/x", bytes.NewReader(testWasm(t, "runtime/testdata/neither.wasm")), 400, CodeInvalidModule, "exports neither"},
		{"ABI v2", "POST", "/v1/modules/x", bytes.NewReader(testWasm(t, "runtime/testdata/abi2.wasm")), 400, CodeInvalidModule, "ABI v2"},
		{"too large, by Content-Length", "POST", "/v1/modules/x", bytes.NewReader(big), 413, CodeTooLarge, "65537 bytes; the limit is 65536 bytes"},
		{"too large, chunked", "POST", "/v1/modules/x", io.MultiReader(bytes.NewReader(big)), 413, CodeTooLarge, "the limit is 65536 bytes"},
		{"describe unknown", "GET", "/v1/modules/nope", nil, 404, CodeNotFound, "module not found"},
		{"describe bad name", "GET", "/v1/modules/a.b", nil, 400, CodeInvalidName, "invalid module name"},
		{"remove unknown", "DELETE", "/v1/modules/nope", nil, 404, CodeNotFound, "module not found"},
		{"remove unknown version", "DELETE", "/v1/modules/upper/versions/9", nil, 404, CodeNotFound, "upper@9"},
		{"remove bad version", "DELETE", "/v1/modules/upper/versions/x", nil, 400, CodeInvalidRef, `version "x"`},
		{"remove version 0", "DELETE", "/v1/modules/upper/versions/0", nil, 400, CodeInvalidRef, `version "0"`},
		{"remove a ref as a name", "DELETE", "/v1/modules/upper@1", nil, 400, CodeInvalidName, "invalid module name"},
		{"invoke unknown", "POST", "/v1/modules/nope/invoke", bytes.NewReader(event(t, "a")), 404, CodeNotFound, "nope"},
		{"invoke unknown version", "POST", "/v1/modules/upper@7/invoke", bytes.NewReader(event(t, "a")), 404, CodeNotFound, "upper@7"},
		{"invoke bad ref", "POST", "/v1/modules/upper@x/invoke", bytes.NewReader(event(t, "a")), 400, CodeInvalidRef, "invalid module reference"},
		{"invoke bad event", "POST", "/v1/modules/upper/invoke", strings.NewReader("{not json"), 400, CodeInvalidEvent, "decode event"},
		{"invoke repeated ids", "POST", "/v1/modules/upper/invoke", strings.NewReader(`{"records":[{"recordId":"a","data":""},{"recordId":"a","data":""}]}`), 400, CodeInvalidEvent, "invalid batch"},
		{"invoke bad env", "POST", "/v1/modules/upper/invoke?env=novalue", bytes.NewReader(event(t, "a")), 400, CodeInvalidEvent, `env "novalue"`},
		{"invoke event too large", "POST", "/v1/modules/upper/invoke", bytes.NewReader(event(t, strings.Repeat("x", 2<<10))), 413, CodeTooLarge, "the limit is 1024 bytes"},
		{"invoke event too large, chunked", "POST", "/v1/modules/upper/invoke", io.MultiReader(bytes.NewReader(event(t, strings.Repeat("x", 2<<10)))), 413, CodeTooLarge, "request body too large"},
		{"invoke a trapping module", "POST", "/v1/modules/trap/invoke", bytes.NewReader(event(t, "a")), 422, CodeTransformFailed, "transform trap@1: trap: "},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			status, b := s.do(t, tc.method, tc.path, tc.body)
			var e ErrorBody
			if err := json.Unmarshal(b, &e); err != nil {
				t.Fatalf("status %d, body %q is not a JSON error: %v", status, b, err)
			}
			if status != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.message) {
				t.Errorf("status %d %+v, want %d %s containing %q", status, e.Error, tc.status, tc.code, tc.message)
			}
		})
	}
	// Nothing above stored anything.
	var list ModuleList
	s.call(t, "GET", "/v1/modules", nil, http.StatusOK, &list)
	if len(list.Modules) != 2 {
		t.Errorf("after bad requests: %+v", list)
	}
}

// TestClassify covers each kind of error, including a conflict, which only
// a storm of pushes of one name can cause.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("push x: %w", modules.ErrConflict), 409, CodeConflict},
		{fmt.Errorf("x: %w", modules.ErrNotFound), 404, CodeNotFound},
		{fmt.Errorf("x: %w", modules.ErrTooLarge), 413, CodeTooLarge},
		{&http.MaxBytesError{Limit: 1}, 413, CodeTooLarge},
		{&runtime.TransformError{Module: "m", Version: 1, Reason: "trap", Err: runtime.ErrTrap}, 422, CodeTransformFailed},
		{fmt.Errorf("x: %w", modules.ErrInvalidModule), 400, CodeInvalidModule},
		{errors.New("disk on fire"), 500, CodeInternal},
	} {
		if status, code := classify(tc.err); status != tc.status || code != tc.code {
			t.Errorf("%v: %d %s, want %d %s", tc.err, status, code, tc.status, tc.code)
		}
	}
}

func TestInvoke(t *testing.T) {
	s := newTestServer(t, modules.Config{})
	s.call(t, "POST", "/v1/modules/m", testWasm(t, "runtime/testdata/c_upper.wasm"), http.StatusCreated, nil)
	s.call(t, "POST", "/v1/modules/csv", testWasm(t, "transforms/csv/csv.wasm"), http.StatusCreated, nil)

	var resp firehoseResponse
	s.call(t, "POST", "/v1/modules/m/invoke", event(t, "hello", "world"), http.StatusOK, &resp)
	if len(resp.Records) != 2 || resp.Records[0].Result != "Ok" || string(resp.Records[0].Data) != "HELLO" || string(resp.Records[1].Data) != "WORLD" {
		t.Fatalf("invoke m: %+v", resp)
	}

	// Parameters reach the module.
	s.call(t, "POST", "/v1/modules/csv@1/invoke?env=COLUMNS=id,name&env=TYPES=int,string", event(t, `7,"Smith, Jo"`, "1,2,3"), http.StatusOK, &resp)
	if len(resp.Records) != 2 || string(resp.Records[0].Data) != `{"id":7,"name":"Smith, Jo"}` ||
		resp.Records[1].Result != "ProcessingFailed" || !strings.Contains(resp.Records[1].ErrorMessage, "expected 2 columns, got 3") {
		t.Fatalf("invoke csv: %+v", resp)
	}
	// Without them it fails the batch with its reason.
	status, b := s.do(t, "POST", "/v1/modules/csv/invoke", bytes.NewReader(event(t, "1")))
	if status != 422 || !strings.Contains(string(b), "COLUMNS") || !strings.Contains(string(b), "transform csv@1") {
		t.Errorf("csv without COLUMNS: %d %s", status, b)
	}
	if n := s.api.loaded.len(); n != 3 {
		t.Errorf("%d modules loaded, want 3 (m@1, csv@1 with and without parameters)", n)
	}

	// A new version is what "m" names now; removing a version unloads it.
	s.call(t, "POST", "/v1/modules/m", testWasm(t, "runtime/testdata/c_identity.wasm"), http.StatusCreated, nil)
	s.call(t, "POST", "/v1/modules/m/invoke", event(t, "hello"), http.StatusOK, &resp)
	if string(resp.Records[0].Data) != "hello" {
		t.Errorf("m after a new version: %+v", resp)
	}
	s.call(t, "DELETE", "/v1/modules/m/versions/2", nil, http.StatusOK, nil)
	s.call(t, "DELETE", "/v1/modules/csv", nil, http.StatusOK, nil)
	if n := s.api.loaded.len(); n != 1 {
		t.Errorf("%d modules loaded after removals, want 1 (m@1)", n)
	}
	s.call(t, "POST", "/v1/modules/m/invoke", event(t, "hello"), http.StatusOK, &resp)
	if string(resp.Records[0].Data) != "HELLO" {
		t.Errorf("m after removing m@2: %+v", resp)
	}
}

// TestConcurrentInvokeRemove hammers invoke while versions are pushed,
// evicted and removed: every call answers the module's result or 404,
// never a module closed under it.
func TestConcurrentInvokeRemove(t *testing.T) {
	s := newTestServer(t, modules.Config{}, WithMaxLoaded(2))
	upper := testWasm(t, "runtime/testdata/c_upper.wasm")
	for range 3 {
		s.call(t, "POST", "/v1/modules/m", upper, http.StatusCreated, nil)
	}
	refs := []string{"m", "m@1", "m@2", "m@3"}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for w := range 6 {
		wg.Go(func() {
			for i := range 15 {
				ref := refs[(w+i)%len(refs)]
				status, b := s.do(t, "POST", "/v1/modules/"+ref+"/invoke", bytes.NewReader(event(t, "abc")))
				if status != 200 && status != 404 || status == 200 && !strings.Contains(string(b), `"result":"Ok"`) {
					errs <- fmt.Sprintf("invoke %s: %d %s", ref, status, b)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 3 {
			s.do(t, "DELETE", fmt.Sprintf("/v1/modules/m/versions/%d", i+1), nil)
			s.do(t, "POST", "/v1/modules/m", bytes.NewReader(upper))
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := s.api.loaded.len(); n > 2 {
		t.Errorf("%d modules loaded, want at most 2", n)
	}
}

// TestUnavailableIs503: JetStream not answering now (a timeout, no
// responders, "temporarily unavailable" during a leader election) is 503
// Unavailable, which a client retries, not a 500; anything else unknown
// stays a 500.
func TestUnavailableIs503(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{fmt.Errorf("load x: %w", context.DeadlineExceeded), 503},
		{fmt.Errorf("load x: %w", nats.ErrTimeout), 503},
		{fmt.Errorf("load x: %w", nats.ErrNoResponders), 503},
		{fmt.Errorf("load x: %w", &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}), 503},
		{errors.New("something else"), 500},
	} {
		if status, code := classify(tc.err); status != tc.status || (status == 503) != (code == CodeUnavailable) {
			t.Errorf("classify(%v) = %d %s, want %d", tc.err, status, code, tc.status)
		}
		if status, _ := classifyDelivery(tc.err); status != tc.status {
			t.Errorf("classifyDelivery(%v) = %d, want %d", tc.err, status, tc.status)
		}
	}
}
