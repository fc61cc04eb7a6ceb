package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/internal/jstest"
)

// newDeliveryServer serves the delivery routes over a real manager on a
// real JetStream server.
func newDeliveryServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	js := jstest.Start(t, "")
	mgr, err := delivery.Open(ctx, js.Conn, delivery.Deps{}, delivery.Config{OutputRoot: os.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDelivery(mgr)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	d.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = mgr.Close()
	})
	return &testServer{Server: srv}
}

func TestDeliveryRoutes(t *testing.T) {
	s := newDeliveryServer(t)
	def := func(name, dir string, size int) []byte {
		b, _ := json.Marshal(map[string]any{
			"name":        name,
			"buffering":   map[string]any{"sizeMiB": size, "intervalSeconds": 0},
			"destination": map[string]any{"kind": "folder", "folder": map[string]any{"path": dir}},
		})
		return b
	}
	dir := filepath.Join(t.TempDir(), "out")

	var applied DeliveryApplied
	s.call(t, "PUT", "/v1/delivery-streams/d1", def("d1", dir, 2), 200, &applied)
	if !applied.Created || !applied.Changed || applied.Definition.Version != 1 || applied.Definition.Source.Kind != delivery.SourceDirectPut {
		t.Fatalf("first apply %+v", applied)
	}
	s.call(t, "PUT", "/v1/delivery-streams/d1", def("d1", dir, 2), 200, &applied)
	if applied.Created || applied.Changed || applied.Definition.Version != 1 {
		t.Fatalf("same apply %+v", applied)
	}
	s.call(t, "PUT", "/v1/delivery-streams/d1", def("d1", dir, 3), 200, &applied)
	if applied.Created || !applied.Changed || applied.Definition.Version != 2 || applied.Definition.Buffering.SizeMiB != 3 {
		t.Fatalf("changed apply %+v", applied)
	}
	// A body without a name takes the path's.
	s.call(t, "PUT", "/v1/delivery-streams/d2", []byte(`{"destination":{"kind":"folder","folder":{"path":"`+dir+`"}}}`), 200, &applied)

	var list DeliveryList
	s.call(t, "GET", "/v1/delivery-streams", nil, 200, &list)
	if len(list.DeliveryStreams) != 2 || list.DeliveryStreams[0].Definition.Name != "d1" || list.DeliveryStreams[0].Status.State != delivery.StatusActive {
		t.Fatalf("list %+v", list)
	}
	var one DeliveryStream
	s.call(t, "GET", "/v1/delivery-streams/d1", nil, 200, &one)
	if one.Definition.Version != 2 || one.Status.State != delivery.StatusActive {
		t.Fatalf("describe %+v", one)
	}
	s.call(t, "DELETE", "/v1/delivery-streams/d1", nil, 200, nil)

	cases := []struct {
		name, method, path string
		body               []byte
		status             int
		code               string
	}{
		{"describe deleted", "GET", "/v1/delivery-streams/d1", nil, 404, CodeNotFound},
		{"delete missing", "DELETE", "/v1/delivery-streams/nope", nil, 404, CodeNotFound},
		{"not JSON", "PUT", "/v1/delivery-streams/x", []byte(`{`), 400, CodeInvalidDefinition},
		{"unknown field", "PUT", "/v1/delivery-streams/x", []byte(`{"buffer":{}}`), 400, CodeInvalidDefinition},
		{"name mismatch", "PUT", "/v1/delivery-streams/x", def("y", dir, 1), 400, CodeInvalidDefinition},
		{"rule broken", "PUT", "/v1/delivery-streams/x", def("x", dir, 500), 400, CodeInvalidDefinition},
		{"too large", "PUT", "/v1/delivery-streams/x", bytes.Repeat([]byte(" "), MaxDefinitionBytes+1), 413, CodeTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, b := s.do(t, c.method, c.path, bytes.NewReader(c.body))
			var e ErrorBody
			if err := json.Unmarshal(b, &e); err != nil || status != c.status || e.Error.Code != c.code || e.Error.Message == "" {
				t.Fatalf("%d %s, want %d %s", status, b, c.status, c.code)
			}
		})
	}
	if _, b := s.do(t, "PUT", "/v1/delivery-streams/x", bytes.NewReader([]byte(`{"buffer":{}}`))); !strings.Contains(string(b), "buffer") {
		t.Fatalf("unknown field message %s does not name it", b)
	}
}

func TestNewDeliveryNeedsManager(t *testing.T) {
	if _, err := NewDelivery(nil); err == nil {
		t.Fatal("NewDelivery(nil) succeeded")
	}
}
