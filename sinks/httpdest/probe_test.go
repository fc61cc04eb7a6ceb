package httpdest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sluice-io/sluice/sinks"
)

// TestProbeSendsNoRequest probes real endpoints (plain and TLS) and a
// closed port: the endpoints take the connection and see no request; the
// closed port is a failure that is never permanent.
func TestProbeSendsNoRequest(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	_ = l.Close()

	tests := []struct {
		name string
		url  string
		opts []Option
		ok   bool
	}{
		{"http", plain.URL, nil, true},
		{"https", secure.URL, []Option{WithHTTPClient(secure.Client())}, true},
		{"https with an untrusted certificate", secure.URL, nil, false},
		{"nothing listening", closed, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HTTP_PROXY", "")
			t.Setenv("HTTPS_PROXY", "")
			c, err := New(Config{URL: tc.url}, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Probe(ctx)
			if tc.ok {
				if err != nil {
					t.Fatalf("Probe = %v", err)
				}
				return
			}
			var pe *sinks.ProbeError
			if !errors.As(err, &pe) || pe.Permanent || !pe.Retryable() {
				t.Fatalf("Probe = %v, want a ProbeError that is not permanent", err)
			}
			t.Logf("probe: %v", err)
		})
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the endpoints received %d requests from probes", n)
	}
}
