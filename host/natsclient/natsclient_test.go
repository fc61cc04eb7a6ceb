package natsclient

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/sluice-io/sluice/internal/tlstest"
)

// startServer runs a real nats-server on a loopback port; mod adjusts its
// options before it starts.
func startServer(t *testing.T, mod func(*server.Options)) *server.Server {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir()}
	if mod != nil {
		mod(opts)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(ReadyWait) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// ReadyWait bounds a test server's start.
const ReadyWait = 30 * time.Second

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnect(t *testing.T) {
	ctx := context.Background()
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	pub, _ := user.PublicKey()
	ca := tlstest.NewCA(t, "nats test CA")
	leaf := ca.Server(t, "127.0.0.1", "localhost")

	cases := []struct {
		name    string
		server  func(*server.Options)
		scheme  string
		cfg     func(c *Config)
		wantErr string // "" connects
	}{
		{name: "token", server: func(o *server.Options) { o.Authorization = "s3cret-token" },
			cfg: func(c *Config) { c.TokenFile = write(t, "token", "s3cret-token\n") }},
		{name: "wrong token", server: func(o *server.Options) { o.Authorization = "s3cret-token" },
			cfg: func(c *Config) { c.TokenFile = write(t, "token", "other") }, wantErr: "Authorization"},
		{name: "nkey seed", server: func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} },
			cfg: func(c *Config) { c.CredentialsFile = write(t, "user.nk", string(seed)) }},
		{name: "public key is not a seed", server: func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} },
			cfg: func(c *Config) { c.CredentialsFile = write(t, "user.pub", pub) }, wantErr: "neither a .creds file nor an nkey seed"},
		{name: "garbage credentials", cfg: func(c *Config) { c.CredentialsFile = write(t, "x.creds", "hello") }, wantErr: "neither a .creds file nor an nkey seed"},
		{name: "no JetStream", server: func(o *server.Options) { o.JetStream = false }, wantErr: "no JetStream"},
		{name: "TLS verified by CA", server: func(o *server.Options) {
			o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}, MinVersion: tls.VersionTLS12}
			o.TLS = true
		}, scheme: "tls", cfg: func(c *Config) { c.CAFile = ca.CertFile }},
		{name: "TLS by an unknown CA", server: func(o *server.Options) {
			o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}, MinVersion: tls.VersionTLS12}
			o.TLS = true
		}, scheme: "tls", cfg: func(c *Config) { c.CAFile = tlstest.NewCA(t, "other CA").CertFile }, wantErr: "certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, tc.server)
			scheme := tc.scheme
			if scheme == "" {
				scheme = "nats"
			}
			c := Config{URLs: []string{scheme + "://" + srv.Addr().String()}}
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			nc, err := Connect(ctx, c, "test")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				nc.Close()
				return
			}
			if err == nil {
				nc.Close()
				t.Fatalf("Connect: no error, want one with %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Connect: %v, want %q in it", err, tc.wantErr)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{URLs: []string{"http://x:1"}}, "scheme"},
		{Config{URLs: []string{"not a url"}}, "not nats://host:port"},
		{Config{URLs: []string{"nats://x:1"}, CredentialsFile: "a", TokenFile: "b"}, "not both"},
		{Config{URLs: []string{"nats://x:1"}, CertFile: "a"}, "both its certificate and its key"},
	} {
		err := tc.c.Check()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v, want ErrConfig with %q", tc.c, err, tc.want)
		}
	}
	if err := (Config{URLs: []string{"nats://a:1", "tls://b:2"}}).Check(); err != nil {
		t.Errorf("Check of good URLs: %v", err)
	}
}

func TestRedacted(t *testing.T) {
	c := Config{URLs: []string{"nats://u:topsecret@h:4222", "nats://h2:4222"}}
	if got := c.Redacted(); strings.Contains(got, "topsecret") || !strings.Contains(got, "h2:4222") {
		t.Errorf("Redacted() = %q", got)
	}
}
