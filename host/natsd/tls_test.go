package natsd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/host/tlsconf"
	"github.com/sluice-io/sluice/internal/tlstest"
)

// startTLS starts a server whose client listener takes TLS with srv's
// certificate, client certificates signed by clientCA when set.
func startTLS(t *testing.T, srv tlstest.Leaf, clientCA string) *Server {
	t.Helper()
	tc, err := tlsconf.Load(tlsconf.Files{Cert: srv.CertFile, Key: srv.KeyFile, ClientCA: clientCA})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", TLS: tc.Config()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestTLSListener: with TLS configured the client listener says
// tls://; a nats.go client that trusts the CA connects over TLS, one that
// does not is refused, and a client speaking plain NATS gets nothing
// (not even a PONG). In-process connections go on without TLS.
func TestTLSListener(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	s := startTLS(t, ca.Server(t, "localhost", "127.0.0.1"), "")
	u := s.ClientURL()
	if !strings.HasPrefix(u, "tls://") {
		t.Fatalf("client URL %s, want tls://", u)
	}
	nc, err := nats.Connect(u, nats.RootCAs(ca.CertFile), nats.NoReconnect(), dataLogin(t, s))
	if err != nil {
		t.Fatalf("client trusting the CA: %v", err)
	}
	if !nc.TLSRequired() {
		t.Error("nats.go says TLS is not required")
	}
	cs, err := nc.TLSConnectionState()
	if err != nil || cs.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %v, version %x", err, cs.Version)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	nc.Close()

	if nc, err := nats.Connect(u, nats.NoReconnect(), dataLogin(t, s)); err == nil {
		nc.Close()
		t.Fatal("a client that does not trust the CA connected")
	} else if !isUnknownAuthority(err) {
		t.Errorf("untrusting client: %v, want an unknown-authority error", err)
	}

	plainRefused(t, u)

	in, err := s.Connect("in-process")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := in.Flush(); err != nil {
		t.Fatalf("in-process connection with TLS on: %v", err)
	}
}

// TestTLSClientCertificates: with a client CA, a client without a
// certificate, or with one another CA signed, is refused; one the client
// CA signed connects.
func TestTLSClientCertificates(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	s := startTLS(t, ca.Server(t, "localhost", "127.0.0.1"), ca.CertFile)
	u := s.ClientURL()
	client := ca.Client(t, "producer")
	stranger := tlstest.NewCA(t, "other CA").Client(t, "stranger")
	for _, c := range []struct {
		name string
		opts []nats.Option
		ok   bool
	}{
		{"no certificate", nil, false},
		{"other CA's certificate", []nats.Option{nats.ClientCert(stranger.CertFile, stranger.KeyFile)}, false},
		{"client CA's certificate", []nats.Option{nats.ClientCert(client.CertFile, client.KeyFile)}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			nc, err := nats.Connect(u, append(c.opts, nats.RootCAs(ca.CertFile), nats.NoReconnect(), nats.Timeout(10*time.Second), dataLogin(t, s))...)
			if err == nil {
				err = nc.Flush()
				nc.Close()
			}
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && err == nil {
				t.Fatal("connected")
			}
		})
	}
	in, err := s.Connect("in-process")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := in.Flush(); err != nil {
		t.Fatalf("in-process connection with client certificates required: %v", err)
	}
}

// plainRefused speaks plain NATS to the listener at u: the INFO must say
// TLS is required and a PING must get no PONG.
func plainRefused(t *testing.T, u string) {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", pu.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	info, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, `"tls_required":true`) {
		t.Errorf("INFO does not require TLS: %s", info)
	}
	if _, err := conn.Write([]byte("CONNECT {\"verbose\":false}\r\nPING\r\n")); err != nil {
		return // refused already
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return // the server closed the connection: refused
		}
		if strings.HasPrefix(line, "PONG") {
			t.Fatal("a plain client got a PONG from the TLS listener")
		}
	}
}

func isUnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	return errors.As(err, &ua)
}

// dataLogin logs in as a data user with s's generated token, so what a
// TLS test sees is about TLS, not about authentication.
func dataLogin(t *testing.T, s *Server) nats.Option {
	t.Helper()
	return nats.Token(readToken(t, s.GeneratedTokenFile(RoleData)))
}
