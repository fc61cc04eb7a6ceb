package host

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/auth"
)

// TestSafeDefaults: without keys the server listens on loopback only,
// says loudly that authentication is off, and refuses an address other
// machines reach unless told --insecure-no-auth.
func TestSafeDefaults(t *testing.T) {
	cases := []struct {
		name     string
		http     string
		nats     string
		insecure bool
		refused  bool
	}{
		{"loopback", "127.0.0.1:0", "", false, false},
		{"localhost", "localhost:0", "", false, false},
		{"every address", "0.0.0.0:0", "", false, true},
		{"no host", ":0", "", false, true},
		{"nats on every address", "127.0.0.1:0", "0.0.0.0:-1", false, true},
		{"every address, insecure", "0.0.0.0:0", "", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv, err := Open(context.Background(), Config{
				DataDir: t.TempDir(), HTTPAddr: c.http, NATSListen: c.nats,
				Security: SecurityConfig{InsecureNoAuth: c.insecure},
				Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
			})
			if c.refused {
				if !errors.Is(err, auth.ErrExposed) || !strings.Contains(err.Error(), "--insecure-no-auth") {
					t.Fatalf("got %v, want ErrExposed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if n := strings.Count(logs.String(), `level=WARN msg="authentication is off`); n != 1 {
				t.Fatalf("%d warnings that authentication is off in:\n%s", n, logs.String())
			}
		})
	}
}

// TestSignedRESTAndMetrics: with keys, /v1 and /metrics need a signature
// (service "sluice") and answer in the REST shape; the probes stay open;
// --metrics-no-auth opens /metrics.
func TestSignedRESTAndMetrics(t *testing.T) {
	srv := openSecure(t, nil)
	base := "http://" + srv.HTTPAddr()
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+p); code != http.StatusOK {
			t.Fatalf("%s: %d %s", p, code, body)
		}
	}
	cases := []struct {
		name, path string
		k          auth.Key
		service    string
		status     int
		code       string
	}{
		{"modules, admin", "/v1/modules", adminKey, "sluice", 200, ""},
		{"modules, unsigned", "/v1/modules", auth.Key{}, "sluice", 401, auth.CodeMissingToken},
		{"modules, kinesis scope", "/v1/modules", adminKey, "kinesis", 401, auth.CodeInvalidSignature},
		{"modules, producer", "/v1/modules", producerKey, "sluice", 403, auth.CodeAccessDenied},
		{"delivery streams, reader", "/v1/delivery-streams", readerKey, "sluice", 403, auth.CodeAccessDenied},
		{"metrics, admin", "/metrics", adminKey, "sluice", 200, ""},
		{"metrics, unsigned", "/metrics", auth.Key{}, "sluice", 401, auth.CodeMissingToken},
		{"metrics, producer", "/metrics", producerKey, "sluice", 403, auth.CodeAccessDenied},
		{"no such route", "/v1/nothing", adminKey, "sluice", 405, ""},
		{"no such route, unsigned", "/v1/nothing", auth.Key{}, "sluice", 401, auth.CodeMissingToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code, msg := do(t, signed(t, srv, "GET", c.path, "", nil, c.k, c.service, time.Now(), nil))
			if status != c.status || code != c.code {
				t.Fatalf("got %d %s %q, want %d %s", status, code, msg, c.status, c.code)
			}
		})
	}
	open := openSecure(t, func(c *Config) { c.Security.MetricsNoAuth = true })
	if code, body := get(t, "http://"+open.HTTPAddr()+"/metrics"); code != http.StatusOK || !strings.Contains(body, "sluice_store_limit_bytes") {
		t.Fatalf("--metrics-no-auth: %d", code)
	}
}

// TestBrowserRequestsRefused: a Host that is not the server's (DNS
// rebinding), a cross-origin request and a cross-site fetch are refused
// with no CORS header, with keys or without; SDK-like requests pass.
func TestBrowserRequestsRefused(t *testing.T) {
	for _, secure := range []bool{false, true} {
		var srv *Server
		if secure {
			srv = openSecure(t, func(c *Config) { c.Security.Hostnames = []string{"sluice.plant.example"} })
		} else {
			srv, _ = open(t, Config{Security: SecurityConfig{Hostnames: []string{"sluice.plant.example"}}})
		}
		port := srv.HTTPAddr()[strings.LastIndex(srv.HTTPAddr(), ":"):]
		cases := []struct {
			name   string
			header []string
			host   string
			status int
		}{
			{"sdk", nil, "", 200},
			{"localhost", nil, "localhost" + port, 200},
			{"named", nil, "sluice.plant.example" + port, 200},
			{"same origin", []string{"Origin", "http://127.0.0.1" + port}, "127.0.0.1" + port, 200},
			{"rebound name", nil, "evil.example" + port, 403},
			{"cross origin", []string{"Origin", "http://evil.example"}, "", 403},
			{"null origin", []string{"Origin", "null"}, "", 403},
			{"other port", []string{"Origin", "http://127.0.0.1:8080"}, "", 403},
			{"cross site", []string{"Sec-Fetch-Site", "cross-site"}, "", 403},
			{"same site", []string{"Sec-Fetch-Site", "same-site"}, "", 403},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := []byte(`{}`)
				req := signed(t, srv, "POST", "/", "Kinesis_20131202.ListStreams", body, adminKey, "kinesis", time.Now(), func(r *http.Request) {
					if c.host != "" {
						r.Host = c.host
					}
					for i := 0; i+1 < len(c.header); i += 2 {
						r.Header.Set(c.header[i], c.header[i+1])
					}
				})
				if secure && c.host != "" {
					// Sign for the Host the request goes with.
					req = signed(t, srv, "POST", "/", "Kinesis_20131202.ListStreams", body, adminKey, "kinesis", time.Now(), nil)
					req.Host = c.host
					_ = auth.Sign(context.Background(), req, body, awsCreds(adminKey), "kinesis", "us-east-1", time.Now())
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Fatalf("secure=%v: got %d, want %d", secure, resp.StatusCode, c.status)
				}
				for k := range resp.Header {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Fatalf("CORS header %s", k)
					}
				}
			})
		}
	}
}
