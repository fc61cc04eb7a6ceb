package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
)

// BrowserGuard refuses what only a web browser would send, so that a page
// open in a browser on the same box or network cannot drive the API:
//
//   - a Host that is not one of the server's names (DNS rebinding: a page
//     of evil.example whose name now resolves to 127.0.0.1 still sends
//     Host: evil.example);
//   - an Origin other than the server's own, and Sec-Fetch-Site
//     cross-site or same-site (a cross-site POST from a form or fetch,
//     which the browser sends without asking the server first).
//
// It never answers CORS headers, so a browser lets no page read an answer
// either. The AWS SDKs and CLIs send neither Origin nor Sec-Fetch-*.
type BrowserGuard struct {
	names    map[string]bool
	listenIP netip.Addr // invalid when the listen host is a name
	anyIP    bool       // listening on every address
	loopback bool       // loopback names and addresses reach the listener
}

// NewBrowserGuard accepts the Host names of a listener configured as
// listen (host:port as given to --http), plus extra names (--hostname):
// the listen host itself (a name or an address); on loopback, localhost
// and every loopback address; on every address (0.0.0.0, ::, or no
// host), any address and the machine's host name. Names are compared
// without regard to case; a Host's port is not compared (a port
// forwarded elsewhere still reaches the same server).
func NewBrowserGuard(listen string, extra []string) (*BrowserGuard, error) {
	b := &BrowserGuard{names: map[string]bool{}}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("browser guard: listen address %q: %w", listen, err)
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		b.listenIP = ip.Unmap()
	} else if host != "" {
		b.names[normalHost(host)] = true
	}
	b.anyIP = host == "" || (b.listenIP.IsValid() && b.listenIP.IsUnspecified())
	b.loopback = b.anyIP || (b.listenIP.IsValid() && b.listenIP.IsLoopback()) || normalHost(host) == "localhost"
	if b.loopback {
		b.names["localhost"] = true
	}
	if !b.loopback || b.anyIP {
		if h, err := os.Hostname(); err == nil {
			b.AllowHostname(h)
		}
	}
	for _, n := range extra {
		n = normalHost(n)
		if n == "" {
			return nil, fmt.Errorf("browser guard: an empty --hostname")
		}
		b.names[n] = true
	}
	return b, nil
}

// AllowHostname adds a name the server answers to (the machine's host
// name, when it listens on more than loopback).
func (b *BrowserGuard) AllowHostname(name string) {
	if n := normalHost(name); n != "" {
		b.names[n] = true
	}
}

// Wrap refuses browser requests before next sees them.
func (b *BrowserGuard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := b.refusal(r); msg != "" {
			e := newError(CodeAccessDenied, "%s", msg)
			e.Status = http.StatusForbidden
			sh := shapeAWS
			if strings.HasPrefix(r.URL.Path, "/v1/") || r.Method == http.MethodGet {
				sh = shapeREST
			}
			e.write(w, r, sh)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refusal says why r is refused, or "" when it is not.
func (b *BrowserGuard) refusal(r *http.Request) string {
	if !b.hostAllowed(r.Host) {
		return fmt.Sprintf("The Host %q is not a name of this server: start it with --hostname %s to answer to that name.", r.Host, hostOnly(r.Host))
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fmt.Sprintf("A %s request from a web page (Sec-Fetch-Site: %s) is refused: Sluice's APIs are not for browsers.", site, site)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		if !strings.EqualFold(origin, scheme+r.Host) {
			return fmt.Sprintf("A cross-origin request (Origin %s) is refused: Sluice's APIs are not for browsers.", origin)
		}
	}
	return ""
}

func (b *BrowserGuard) hostAllowed(hostport string) bool {
	host := normalHost(hostOnly(hostport))
	if host == "" {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		switch {
		case b.anyIP:
			return true
		case b.listenIP.IsValid() && ip == b.listenIP:
			return true
		case b.loopback && ip.IsLoopback():
			return true
		}
		return false
	}
	return b.names[host]
}

// hostOnly is the host of a Host header, without port or brackets.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
}
