package natsclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// ConnectTimeout bounds the first connection and the JetStream check
// after it.
const ConnectTimeout = 30 * time.Second

// ErrConfig marks a configuration that cannot connect.
var ErrConfig = errors.New("natsclient")

// Config says how to reach and log in to the NATS servers.
type Config struct {
	// URLs are the servers' client URLs (nats://host:4222, tls://…); the
	// client learns the rest of the cluster from the first it reaches.
	URLs []string
	// CredentialsFile logs in as a NATS user: a decorated .creds file
	// (JWT and nkey seed, as nsc writes it) or a file with an nkey seed
	// alone.
	CredentialsFile string
	// TokenFile logs in with the token the file holds.
	TokenFile string
	// CAFile holds the PEM CA certificates that signed the servers'
	// certificates; setting it requires TLS.
	CAFile string
	// CertFile and KeyFile are a client certificate to present, for
	// servers that verify clients.
	CertFile, KeyFile string
}

// Enabled reports whether the host uses external servers.
func (c Config) Enabled() bool { return len(c.URLs) > 0 }

// Check refuses a configuration that cannot work, naming the flag's
// subject, without connecting.
func (c Config) Check() error {
	if !c.Enabled() {
		return nil
	}
	var problems []string
	for _, u := range c.URLs {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" {
			problems = append(problems, fmt.Sprintf("URL %q is not nats://host:port", u))
			continue
		}
		switch p.Scheme {
		case "nats", "tls":
		default:
			problems = append(problems, fmt.Sprintf("URL %q: scheme must be nats or tls", u))
		}
	}
	if c.CredentialsFile != "" && c.TokenFile != "" {
		problems = append(problems, "use a credentials file or a token file, not both")
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		problems = append(problems, "a client certificate needs both its certificate and its key file")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	return nil
}

// Connect opens a connection named name and checks that its account has
// JetStream.
func Connect(ctx context.Context, c Config, name string) (*nats.Conn, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	opts, err := c.options(name)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(strings.Join(c.URLs, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("natsclient: connect to %s: %w", redactedURLs(c.URLs), err)
	}
	ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	js, err := jetstream.New(nc)
	if err == nil {
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		nc.Close()
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return nil, fmt.Errorf("natsclient: %s: the account this login maps to has no JetStream: %w", redactedURLs(c.URLs), err)
		}
		return nil, fmt.Errorf("natsclient: %s: JetStream: %w", redactedURLs(c.URLs), err)
	}
	return nc, nil
}

func (c Config) options(name string) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.Timeout(10 * time.Second),
	}
	switch {
	case c.CredentialsFile != "":
		o, err := credentials(c.CredentialsFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, o)
	case c.TokenFile != "":
		b, err := os.ReadFile(c.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("%w: token file: %w", ErrConfig, err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return nil, fmt.Errorf("%w: token file %s is empty", ErrConfig, c.TokenFile)
		}
		opts = append(opts, nats.Token(t))
	}
	if c.CAFile != "" || c.CertFile != "" {
		tc, err := ClientTLS(c.CAFile, c.CertFile, c.KeyFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

// ClientTLS is the TLS configuration of a client of NATS servers: the
// CAs in caFile verify the servers (the system's roots when empty), and
// certFile with keyFile, when set, is the certificate to present.
func ClientTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("%w: CA file: %w", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: CA file %s holds no PEM certificate", ErrConfig, caFile)
		}
		tc.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("%w: a client certificate needs both its certificate and its key file", ErrConfig)
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: client certificate: %w", ErrConfig, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// credentials reads a .creds file (JWT and seed) or a bare nkey seed.
func credentials(file string) (nats.Option, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: credentials file: %w", ErrConfig, err)
	}
	if bytes.Contains(b, []byte("BEGIN NATS USER JWT")) {
		if _, err := nkeys.ParseDecoratedJWT(b); err != nil {
			return nil, fmt.Errorf("%w: credentials file %s: %w", ErrConfig, file, err)
		}
		return nats.UserCredentials(file), nil
	}
	kp, err := nkeys.ParseDecoratedNKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: credentials file %s is neither a .creds file nor an nkey seed", ErrConfig, file)
	}
	kp.Wipe()
	o, err := nats.NkeyOptionFromSeed(file)
	if err != nil {
		return nil, fmt.Errorf("%w: credentials file %s: %w", ErrConfig, file, err)
	}
	return o, nil
}

// RedactURLs is urls for logs and status: any password in them
// replaced (an unparsable URL, which could hold one anywhere, dropped).
func RedactURLs(urls []string) []string {
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		if p, err := url.Parse(u); err == nil {
			out = append(out, p.Redacted())
		}
	}
	return out
}

func redactedURLs(urls []string) string { return strings.Join(RedactURLs(urls), ",") }

// Redacted is c's URLs for logs: passwords in them replaced.
func (c Config) Redacted() string { return redactedURLs(c.URLs) }
