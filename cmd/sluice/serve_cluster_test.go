package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"

	"github.com/sluice-io/sluice/host"
)

// TestClusterFlags: the serve flags that put a host on a cluster resolve
// to its configuration; a cluster without a long enough secret, or a
// cluster name without routes, is a usage error; --nats-url drops the
// default NATS listener but not one asked for.
func TestClusterFlags(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("a-route-secret-of-some-length\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		args  []string
		env   string
		bad   bool
		check func(t *testing.T, cfg host.Config)
	}{
		{name: "a node of three", args: []string{"--cluster-name", "edge", "--cluster-listen", "127.0.0.1:6222",
			"--routes", "nats-route://127.0.0.1:6223,nats-route://127.0.0.1:6224", "--node-name", "n1", "--cluster-secret-file", secret},
			check: func(t *testing.T, cfg host.Config) {
				if cfg.Cluster.Secret != "a-route-secret-of-some-length" || cfg.Cluster.NodeName != "n1" || len(cfg.Cluster.Routes) != 2 {
					t.Errorf("cluster %+v", cfg.Cluster)
				}
			}},
		{name: "secret from the environment, node name from the host", args: []string{"--cluster-name", "edge", "--cluster-listen", "127.0.0.1:6222"},
			env: "a-route-secret-of-some-length", check: func(t *testing.T, cfg host.Config) {
				if h, _ := os.Hostname(); cfg.Cluster.NodeName != h || cfg.Cluster.Secret == "" {
					t.Errorf("cluster %+v", cfg.Cluster)
				}
			}},
		{name: "no secret", args: []string{"--cluster-name", "edge", "--cluster-listen", "127.0.0.1:6222"}, bad: true},
		{name: "short secret", args: []string{"--cluster-name", "edge", "--cluster-listen", "127.0.0.1:6222", "--cluster-secret-file", short}, bad: true},
		{name: "name without routes", args: []string{"--cluster-name", "edge"}, bad: true},
		{name: "external servers: no listener of our own", args: []string{"--nats-url", "nats://a:4222,nats://b:4222"},
			check: func(t *testing.T, cfg host.Config) {
				if cfg.NATSListen != "" || len(cfg.NATS.URLs) != 2 {
					t.Errorf("listen %q, urls %q", cfg.NATSListen, cfg.NATS.URLs)
				}
			}},
		{name: "external servers and a listener asked for", args: []string{"--nats-url", "nats://a:4222", "--nats", "127.0.0.1:4222"},
			check: func(t *testing.T, cfg host.Config) {
				if cfg.NATSListen == "" { // host.Open refuses it, saying why
					t.Error("an explicit --nats was dropped")
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(envClusterSecret, c.env) // restored after the test
			if c.env == "" {
				os.Unsetenv(envClusterSecret)
			}
			var cfg host.Config
			var cf clusterFlags
			f := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			f.StringVar(&cfg.NATSListen, "nats", host.DefaultNATSListen, "")
			cf.register(f, &cfg)
			if err := f.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			err := cf.resolve(&cfg, f.Changed, slog.New(slog.DiscardHandler))
			if c.bad {
				var ue usageError
				if !errors.As(err, &ue) {
					t.Fatalf("err %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}
