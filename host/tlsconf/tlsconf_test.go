package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/tlstest"
)

// TestLoadRefuses: every way the files can be wrong is an ErrBadFiles
// error that names the flag, the file and what to do.
func TestLoadRefuses(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	srv := ca.Server(t, "localhost", "127.0.0.1")
	other := ca.Server(t, "other")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.pem", []byte("\n"))
	der := write("cert.der", srv.TLS.Certificate[0])
	corrupt := write("corrupt.pem", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	missing := filepath.Join(dir, "nope.pem")
	encrypted := filepath.Join(dir, "encrypted.key")
	// A passphrase-protected key as openssl writes one.
	if out, err := exec.Command("openssl", "pkcs8", "-topk8", "-in", srv.KeyFile, "-out", encrypted,
		"-v2", "aes-256-cbc", "-passout", "pass:secret").CombinedOutput(); err != nil {
		t.Fatalf("openssl (scripts/install-toolchains.sh installs it): %v\n%s", err, out)
	}

	for _, c := range []struct {
		name  string
		files Files
		want  []string
	}{
		{"cert without key", Files{Cert: srv.CertFile}, []string{"--tls-cert needs --tls-key"}},
		{"key without cert", Files{Key: srv.KeyFile}, []string{"--tls-key needs --tls-cert"}},
		{"client CA alone", Files{ClientCA: ca.CertFile}, []string{"--tls-client-ca needs --tls-cert and --tls-key"}},
		{"missing cert", Files{Cert: missing, Key: srv.KeyFile}, []string{"--tls-cert", missing, "no such file"}},
		{"missing key", Files{Cert: srv.CertFile, Key: missing}, []string{"--tls-key", missing, "no such file"}},
		{"empty cert", Files{Cert: empty, Key: srv.KeyFile}, []string{"--tls-cert " + empty + " is empty"}},
		{"DER cert", Files{Cert: der, Key: srv.KeyFile}, []string{"--tls-cert " + der + " holds no PEM data", "openssl x509 -inform der"}},
		{"corrupt cert", Files{Cert: corrupt, Key: srv.KeyFile}, []string{"--tls-cert " + corrupt + ": certificate 1 does not parse"}},
		{"swapped", Files{Cert: srv.KeyFile, Key: srv.CertFile}, []string{"--tls-cert " + srv.KeyFile + " holds a private key, not a certificate", "swapped"}},
		{"cert as key", Files{Cert: srv.CertFile, Key: srv.CertFile}, []string{"--tls-key " + srv.CertFile + " holds a certificate, not a private key"}},
		{"encrypted key", Files{Cert: srv.CertFile, Key: encrypted}, []string{"--tls-key " + encrypted + " is encrypted with a passphrase", "openssl pkey"}},
		{"mismatched pair", Files{Cert: srv.CertFile, Key: other.KeyFile}, []string{"--tls-key " + other.KeyFile + " does not belong to the certificate in --tls-cert " + srv.CertFile}},
		{"client CA missing", Files{Cert: srv.CertFile, Key: srv.KeyFile, ClientCA: missing}, []string{"--tls-client-ca", "no such file"}},
		{"client CA is a key", Files{Cert: srv.CertFile, Key: srv.KeyFile, ClientCA: srv.KeyFile}, []string{"--tls-client-ca " + srv.KeyFile + " holds no PEM certificate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(c.files)
			if err == nil {
				t.Fatalf("loaded %v", s.Names())
			}
			if !errors.Is(err, ErrBadFiles) {
				t.Errorf("err %v is not ErrBadFiles", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestLoad: good files make a TLS 1.2+ configuration with the certificate,
// asking for client certificates only with a client CA; no files, no TLS.
func TestLoad(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	srv := ca.Server(t, "box", "192.0.2.10")
	if s, err := Load(Files{}); s != nil || err != nil || s.Config() != nil || s.ClientAuth() {
		t.Fatalf("no files: %v, %v", s, err)
	}
	s, err := Load(Files{Cert: srv.CertFile, Key: srv.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.Config()
	if cfg.MinVersion != tls.VersionTLS12 || len(cfg.Certificates) != 1 || cfg.ClientAuth != tls.NoClientCert || s.ClientAuth() {
		t.Errorf("config: min %x, %d certs, client auth %v", cfg.MinVersion, len(cfg.Certificates), cfg.ClientAuth)
	}
	if cfg == s.Config() {
		t.Error("Config returns the same value twice: listeners would share it")
	}
	if got := strings.Join(s.Names(), ","); got != "box,192.0.2.10" {
		t.Errorf("names %s", got)
	}
	if w := s.Warnings(time.Now()); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	s, err = Load(Files{Cert: srv.CertFile, Key: srv.KeyFile, ClientCA: ca.CertFile})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := s.Config(); cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil || !s.ClientAuth() {
		t.Errorf("with a client CA: client auth %v", cfg.ClientAuth)
	}
}

// TestWarnings: an expired certificate, one without a subjectAltName and a
// key every user can read load, with a warning each.
func TestWarnings(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	leaf := ca.Issue(t, "old", &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "box"},
		NotBefore:    time.Now().Add(-48 * time.Hour),
		NotAfter:     time.Now().Add(-24 * time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err := os.Chmod(leaf.KeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(Files{Cert: leaf.CertFile, Key: leaf.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(s.Warnings(time.Now()), "\n")
	for _, want := range []string{"expired at", "has no subjectAltName", "can be read by every user (mode 0644): chmod 600"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if w := s.Warnings(time.Now().Add(-36 * time.Hour)); strings.Contains(strings.Join(w, " "), "expired") {
		t.Errorf("warned of expiry while valid: %q", w)
	}
}
