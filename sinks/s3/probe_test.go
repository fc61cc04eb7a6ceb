package s3_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/s3test"
	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/s3"
)

// TestProbe probes a real versitygw with good and bad settings, then with
// the server stopped, and an HTTP server answering as a broken S3 does.
func TestProbe(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	tests := []struct {
		name string
		mut  func(*s3.Config)
		// permanent is the ProbeError's Permanent; nil error when ok.
		ok, permanent bool
		mention       string
	}{
		{"good", nil, true, false, ""},
		{"no such bucket", func(c *s3.Config) { c.Bucket = "missing-bucket" }, false, true, "does not exist"},
		{"wrong secret", func(c *s3.Config) { c.SecretAccessKey = "wrong" }, false, true, "HTTP 403"},
		{"unknown access key", func(c *s3.Config) { c.AccessKeyID = "nobody" }, false, true, "HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := storeFor(t, srv, tt.mut, s3.WithMaxAttempts(1)).Probe(ctx)
			checkProbe(t, err, tt.ok, tt.permanent, tt.mention)
		})
	}
	if got := srv.List(""); len(got) != 0 {
		t.Fatalf("probes wrote objects: %v", got)
	}

	t.Run("server stopped", func(t *testing.T) {
		st := storeFor(t, srv, nil, s3.WithMaxAttempts(1))
		srv.Stop()
		defer srv.Restart()
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second) // only ends a hang
		defer cancel()
		checkProbe(t, st.Probe(pctx), false, false, "not reachable now")
	})

	for _, status := range []int{500, 503, 429, 400, 301} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
			}))
			defer hs.Close()
			st, err := s3.New(s3.Config{Endpoint: hs.URL, Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s", PathStyle: true}, s3.WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			checkProbe(t, st.Probe(ctx), false, status == 400 || status == 301, "")
		})
	}
}

func checkProbe(t *testing.T, err error, ok, permanent bool, mention string) {
	t.Helper()
	if ok {
		if err != nil {
			t.Fatalf("Probe = %v, want nil", err)
		}
		return
	}
	var pe *sinks.ProbeError
	if !errors.As(err, &pe) {
		t.Fatalf("Probe = %v, want a *sinks.ProbeError", err)
	}
	if pe.Permanent != permanent || retryable(err) == permanent {
		t.Fatalf("Permanent = %v, want %v: %v", pe.Permanent, permanent, err)
	}
	if !strings.Contains(err.Error(), mention) {
		t.Fatalf("message %q does not mention %q", err, mention)
	}
	t.Logf("probe: %v", err)
}
