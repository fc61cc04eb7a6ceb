package host

import (
	"crypto/tls"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-io/sluice/host/tlsconf"
)

// loadTLS reads and checks the TLS files (nil when there are none) and
// logs what clients will see: the names the certificate is good for, its
// expiry, whether client certificates are required, and each warning.
func loadTLS(f tlsconf.Files, log *slog.Logger) (*tlsconf.Server, error) {
	t, err := tlsconf.Load(f)
	if err != nil || t == nil {
		return nil, err
	}
	log.Info("tls on: the HTTP listener (HTTP/2 and HTTP/1.1) and the NATS client listener, if any, take TLS only; certificates are read at start, restart to load renewed ones",
		"names", strings.Join(t.Names(), ","),
		"not_after", t.Leaf().NotAfter.UTC().Format(time.RFC3339),
		"client_certificates", map[bool]string{true: "required", false: "not asked for"}[t.ClientAuth()],
		"min_version", "TLS 1.2")
	for _, w := range t.Warnings(time.Now()) {
		log.Warn("tls: " + w)
	}
	return t, nil
}

// serveHTTP serves ln until the server stops: over TLS with tc when it is
// set. ServeTLS adds ALPN's "h2" and "http/1.1" to a copy of tc (from
// hs.Protocols), so HTTP/2 is negotiated; without TLS it serves HTTP/1.1
// and HTTP/2 with prior knowledge (h2c) on the same port, told apart by
// the connection's first bytes. (Serve sets hs.TLSConfig itself, so only
// this goroutine may look at it.)
func serveHTTP(hs *http.Server, ln net.Listener, tc *tls.Config) error {
	if tc == nil {
		return hs.Serve(ln)
	}
	hs.TLSConfig = tc
	return hs.ServeTLS(ln, "", "")
}

// httpErrorLog sends the HTTP server's own errors to log as warnings, with
// component=http: mostly TLS handshakes that fail (a client that does not
// trust the certificate, has no client certificate, or speaks plain HTTP
// to the TLS port), which an operator needs when a client cannot connect.
func httpErrorLog(log *slog.Logger) *stdlog.Logger {
	return slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn)
}

// HTTPURL is the HTTP listener's base URL: https:// when it takes TLS.
func (s *Server) HTTPURL() string {
	scheme := "http://"
	if s.tls != nil {
		scheme = "https://"
	}
	return scheme + s.ln.Addr().String()
}
