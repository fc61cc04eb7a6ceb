package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
)

// TestStreamModeBodyBounded: a stream-mode body over MaxStreamModeBytes is
// refused with 413 TooLarge, whether its length is declared or it comes
// chunked, and a bad body is 400; a good one sets the mode.
func TestStreamModeBodyBounded(t *testing.T) {
	ctx := context.Background()
	js := jstest.Start(t, "")
	eng, err := streams.Open(ctx, js.Conn, streams.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	if err := eng.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	sm, err := NewStreamModes(eng)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	sm.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &testServer{Server: srv}

	big := []byte(`{"mode":"ON_DEMAND"` + strings.Repeat(" ", MaxStreamModeBytes) + `}`)
	for _, tc := range []struct {
		name   string
		body   io.Reader
		status int
		code   string
	}{
		{"too large, by Content-Length", bytes.NewReader(big), 413, CodeTooLarge},
		{"too large, chunked", io.MultiReader(bytes.NewReader(big)), 413, CodeTooLarge},
		{"not JSON", strings.NewReader(`{`), 400, CodeInvalidStreamMode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := s.do(t, "PUT", "/v1/streams/s/mode", tc.body)
			var e ErrorBody
			if err := json.Unmarshal(b, &e); err != nil || status != tc.status || e.Error.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", status, b, tc.status, tc.code)
			}
		})
	}
	if status, b := s.do(t, "PUT", "/v1/streams/s/mode", strings.NewReader(`{"mode":"ON_DEMAND"}`)); status != 200 {
		t.Fatalf("good body: %d %s", status, b)
	}
}
