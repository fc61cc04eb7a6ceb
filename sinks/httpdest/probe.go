package httpdest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/sluice-io/sluice/sinks"
)

// Probe checks that the endpoint's host takes a connection: it resolves
// the host, connects (to the proxy the client would use, when one applies)
// and, for https without a proxy, completes a TLS handshake with the
// client's TLS settings; then it hangs up. It dials as the client's
// transport does (its DialContext, when it has one). It sends no HTTP request: AWS
// does not contact an HTTP endpoint when a delivery stream is created, an
// endpoint counts or refuses whatever it is sent, and its answer to
// anything but a delivery would prove nothing about deliveries.
//
// A failure is a *sinks.ProbeError and never Permanent: an endpoint that
// cannot be reached is what the retry duration and the error output are
// for.
func (c *Client) Probe(ctx context.Context) error {
	u, err := url.Parse(c.cfg.URL)
	if err != nil {
		return &sinks.ProbeError{Dest: c.String(), Err: err}
	}
	tr, _ := c.http.Transport.(*http.Transport)
	if c.http.Transport == nil {
		tr, _ = http.DefaultTransport.(*http.Transport)
	}
	proxyFor := http.ProxyFromEnvironment
	var tlsConf *tls.Config
	var d net.Dialer
	dial := d.DialContext
	if tr != nil {
		proxyFor, tlsConf = tr.Proxy, tr.TLSClientConfig
		if tr.DialContext != nil {
			dial = tr.DialContext // the client's own checks (see host/egress) apply
		}
	}
	addr := hostPort(u)
	direct := true
	if proxyFor != nil {
		p, err := proxyFor(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}})
		if err != nil {
			return &sinks.ProbeError{Dest: c.String(), Err: err}
		}
		if p != nil {
			addr, direct = hostPort(p), false
		}
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return &sinks.ProbeError{Dest: c.String(), Err: err}
	}
	defer conn.Close()
	if u.Scheme != "https" || !direct {
		return nil
	}
	conf := &tls.Config{}
	if tlsConf != nil {
		conf = tlsConf.Clone()
	}
	if conf.ServerName == "" {
		conf.ServerName = u.Hostname()
	}
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return &sinks.ProbeError{Dest: c.String(), Err: fmt.Errorf("TLS handshake: %w", err)}
	}
	_ = tc.Close()
	return nil
}

// hostPort is u's host with its port, the scheme's default when absent.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}
