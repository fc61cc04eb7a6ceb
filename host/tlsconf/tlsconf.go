package tlsconf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// MinVersion is the oldest TLS version a listener accepts.
const MinVersion = tls.VersionTLS12

// ErrBadFiles: the TLS files are incomplete, unreadable or do not fit
// together. The error's text says which file and why.
var ErrBadFiles = errors.New("TLS")

// The flags that set each file, named in errors and warnings.
const (
	certFlag     = "--tls-cert"
	keyFlag      = "--tls-key"
	clientCAFlag = "--tls-client-ca"
)

// Files names the PEM files TLS is made from. All empty means no TLS.
type Files struct {
	// Cert is the server's certificate, followed by any intermediates
	// (--tls-cert).
	Cert string
	// Key is the certificate's private key, unencrypted (--tls-key).
	Key string
	// ClientCA, when set, holds the CA certificates client certificates
	// must chain to; clients without one are refused (--tls-client-ca).
	ClientCA string
}

// Enabled says whether any file is set.
func (f Files) Enabled() bool { return f != Files{} }

// Server is a loaded, checked TLS setup. A nil *Server means TLS is off:
// its methods then return zero values.
type Server struct {
	cfg      *tls.Config
	leaf     *x509.Certificate
	keyMode  os.FileMode
	files    Files
	clientCA bool
}

// Load reads and checks f's files. With no file set it returns nil and no
// error (TLS off). Every problem is an ErrBadFiles error.
func Load(f Files) (*Server, error) {
	if !f.Enabled() {
		return nil, nil
	}
	switch {
	case f.Cert == "" && f.Key == "":
		return nil, bad("%s needs %s and %s: client certificates are asked for only on a TLS listener", clientCAFlag, certFlag, keyFlag)
	case f.Key == "":
		return nil, bad("%s needs %s (both or neither)", certFlag, keyFlag)
	case f.Cert == "":
		return nil, bad("%s needs %s (both or neither)", keyFlag, certFlag)
	}
	certPEM, err := readPEM(certFlag, f.Cert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readPEM(keyFlag, f.Key)
	if err != nil {
		return nil, err
	}
	chain, err := certificates(certFlag, f.Cert, certPEM)
	if err != nil {
		return nil, err
	}
	if err := checkKey(f.Key, keyPEM); err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, bad("%s %s does not belong to the certificate in %s %s (the server's own certificate must come first, then its intermediates): %v",
			keyFlag, f.Key, certFlag, f.Cert, err)
	}
	s := &Server{
		cfg:   &tls.Config{MinVersion: MinVersion, Certificates: []tls.Certificate{pair}},
		leaf:  chain[0],
		files: f,
	}
	if fi, err := os.Stat(f.Key); err == nil {
		s.keyMode = fi.Mode().Perm()
	}
	if f.ClientCA != "" {
		caPEM, err := readPEM(clientCAFlag, f.ClientCA)
		if err != nil {
			return nil, err
		}
		cas, err := certificates(clientCAFlag, f.ClientCA, caPEM)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		for _, c := range cas {
			pool.AddCert(c)
		}
		s.cfg.ClientCAs = pool
		s.cfg.ClientAuth = tls.RequireAndVerifyClientCert
		s.clientCA = true
	}
	return s, nil
}

// Config returns a copy of the server configuration for one listener.
func (s *Server) Config() *tls.Config {
	if s == nil {
		return nil
	}
	return s.cfg.Clone()
}

// Leaf is the server's certificate.
func (s *Server) Leaf() *x509.Certificate {
	if s == nil {
		return nil
	}
	return s.leaf
}

// ClientAuth says whether clients must present a certificate signed by
// the client CA.
func (s *Server) ClientAuth() bool { return s != nil && s.clientCA }

// Names are the DNS names and IP addresses the certificate is valid for:
// what clients may put in the endpoint URL.
func (s *Server) Names() []string {
	if s == nil {
		return nil
	}
	names := append([]string(nil), s.leaf.DNSNames...)
	for _, ip := range s.leaf.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// Warnings are the problems that do not stop the server but will stop or
// endanger clients, as sentences, at time now.
func (s *Server) Warnings(now time.Time) []string {
	if s == nil {
		return nil
	}
	var w []string
	switch {
	case now.After(s.leaf.NotAfter):
		w = append(w, fmt.Sprintf("the certificate in %s %s expired at %s: clients will refuse it (or the clock is wrong)",
			certFlag, s.files.Cert, s.leaf.NotAfter.UTC().Format(time.RFC3339)))
	case now.Before(s.leaf.NotBefore):
		w = append(w, fmt.Sprintf("the certificate in %s %s is not valid before %s: clients will refuse it (or the clock is wrong)",
			certFlag, s.files.Cert, s.leaf.NotBefore.UTC().Format(time.RFC3339)))
	}
	if len(s.leaf.DNSNames) == 0 && len(s.leaf.IPAddresses) == 0 {
		w = append(w, fmt.Sprintf("the certificate in %s %s has no subjectAltName: Go clients, the AWS SDKs and the AWS CLI check names only there and will refuse it",
			certFlag, s.files.Cert))
	}
	if s.keyMode&0o004 != 0 {
		w = append(w, fmt.Sprintf("%s %s can be read by every user (mode %04o): chmod 600 it", keyFlag, s.files.Key, s.keyMode))
	}
	return w
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadFiles}, args...)...)
}

// readPEM reads a file that must hold PEM data.
func readPEM(flag, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, bad("%s: %v", flag, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, bad("%s %s is empty", flag, path)
	}
	if !bytes.Contains(b, []byte("-----BEGIN ")) {
		return nil, bad("%s %s holds no PEM data (a DER file? convert it with openssl x509 -inform der -in %[2]s -out FILE.pem)", flag, path)
	}
	return b, nil
}

// certificates parses every CERTIFICATE block of a PEM file; it must hold
// at least one.
func certificates(flag, path string, b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	sawKey := false
	for rest := b; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		switch {
		case blk.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, bad("%s %s: certificate %d does not parse: %v", flag, path, len(certs)+1, err)
			}
			certs = append(certs, c)
		case isKeyBlock(blk.Type):
			sawKey = true
		}
	}
	if len(certs) > 0 {
		return certs, nil
	}
	if sawKey && flag == certFlag {
		return nil, bad("%s %s holds a private key, not a certificate: are %s and %s swapped?", flag, path, certFlag, keyFlag)
	}
	return nil, bad("%s %s holds no PEM certificate (no BEGIN CERTIFICATE block)", flag, path)
}

// checkKey finds the private key block and refuses what Go cannot use.
func checkKey(path string, b []byte) error {
	sawCert := false
	for rest := b; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		switch {
		case blk.Type == "ENCRYPTED PRIVATE KEY" || (isKeyBlock(blk.Type) && blk.Headers["Proc-Type"] == "4,ENCRYPTED"):
			return bad("%s %s is encrypted with a passphrase; Sluice needs it unencrypted (openssl pkey -in %[2]s -out KEY.pem, then chmod 600 KEY.pem)", keyFlag, path)
		case isKeyBlock(blk.Type):
			return nil
		case blk.Type == "CERTIFICATE":
			sawCert = true
		}
	}
	if sawCert {
		return bad("%s %s holds a certificate, not a private key: are %s and %s swapped?", keyFlag, path, certFlag, keyFlag)
	}
	return bad("%s %s holds no PEM private key (no BEGIN PRIVATE KEY block)", keyFlag, path)
}

func isKeyBlock(typ string) bool {
	switch typ {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		return true
	}
	return false
}
