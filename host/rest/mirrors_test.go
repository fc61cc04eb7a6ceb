package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"net/http"
	"net/http/httptest"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
)

// TestMirrorRequestsRefused: a mirror request that does not decode, is
// too large, names a bad domain or stream, or a domain that does not
// answer, is refused with a 4xx and its code, never a 500; the status of
// a stream that is no mirror, or of none, likewise. (The mirror itself is
// tested across a real leaf connection in host/streams and
// examples/edge-to-hub.)
func TestMirrorRequestsRefused(t *testing.T) {
	ctx := context.Background()
	js := jstest.Start(t, "")
	eng, err := streams.Open(ctx, js.Conn, streams.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	if err := eng.CreateStream(ctx, "plain", 1); err != nil {
		t.Fatal(err)
	}
	m, err := NewMirrors(eng)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	m.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &testServer{Server: srv}

	big := []byte(`{"domain":"e"` + strings.Repeat(" ", MaxMirrorRequestBytes) + `}`)
	for _, tc := range []struct {
		name, method, path string
		body               io.Reader
		status             int
		code               string
	}{
		{"too large", "POST", "/v1/mirrors", bytes.NewReader(big), 413, CodeTooLarge},
		{"not JSON", "POST", "/v1/mirrors", strings.NewReader(`{`), 400, CodeInvalidMirror},
		{"unknown field", "POST", "/v1/mirrors", strings.NewReader(`{"domain":"e","stream":"s","x":1}`), 400, CodeInvalidMirror},
		{"bad domain", "POST", "/v1/mirrors", strings.NewReader(`{"domain":"a.b","stream":"s"}`), 400, CodeInvalidMirror},
		{"bad stream", "POST", "/v1/mirrors", strings.NewReader(`{"domain":"edge1","stream":"no spaces"}`), 400, CodeInvalidMirror},
		{"domain that does not answer", "POST", "/v1/mirrors", strings.NewReader(`{"domain":"edge1","stream":"s"}`), 404, CodeNotFound},
		{"status of no stream", "GET", "/v1/mirrors/none", nil, 404, CodeNotFound},
		{"status of a stream that is no mirror", "GET", "/v1/mirrors/plain", nil, 400, CodeInvalidMirror},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := s.do(t, tc.method, tc.path, tc.body)
			var e ErrorBody
			if err := json.Unmarshal(b, &e); err != nil || status != tc.status || e.Error.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", status, b, tc.status, tc.code)
			}
		})
	}
}
