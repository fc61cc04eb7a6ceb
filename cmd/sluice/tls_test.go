package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/tlsconf"
	"github.com/sluice-io/sluice/internal/tlstest"
)

// TestServeTLSFlagsRefused: `sluice serve` with incomplete or mismatched
// TLS files stops at once with the message that names the flag.
func TestServeTLSFlagsRefused(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	srv := ca.Server(t, "localhost", "127.0.0.1")
	other := ca.Server(t, "other")
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--tls-cert", srv.CertFile}, "TLS: --tls-cert needs --tls-key (both or neither)"},
		{[]string{"--tls-key", srv.KeyFile}, "TLS: --tls-key needs --tls-cert (both or neither)"},
		{[]string{"--tls-client-ca", ca.CertFile}, "TLS: --tls-client-ca needs --tls-cert and --tls-key"},
		{[]string{"--tls-cert", srv.CertFile, "--tls-key", other.KeyFile}, "TLS: --tls-key " + other.KeyFile + " does not belong to the certificate in --tls-cert " + srv.CertFile},
	} {
		args := append([]string{"serve", "--data-dir", filepath.Join(t.TempDir(), "d"), "--http", "127.0.0.1:0", "--nats", ""}, c.flags...)
		_, err := sluice(t, "", "", args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %v, want %q", c.flags, err, c.want)
		}
	}
}

// TestCLIOverTLS: the CLI talks to a TLS server (the Kinesis API through
// the SDK, and the REST API) when --ca-bundle or AWS_CA_BUNDLE names its
// CA, and refuses the server's certificate otherwise.
func TestCLIOverTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	leaf := ca.Server(t, "localhost", "127.0.0.1")
	srv, err := host.Open(context.Background(), host.Config{
		DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0",
		TLS: tlsconf.Files{Cert: leaf.CertFile, Key: leaf.KeyFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ep := srv.HTTPURL()

	mustSluice(t, ep, "", "--ca-bundle", ca.CertFile, "stream", "create", "orders")
	if out := mustSluice(t, ep, "", "--ca-bundle", ca.CertFile, "stream", "list"); !strings.Contains(out, "orders") {
		t.Errorf("stream list said %q", out)
	}
	mustSluice(t, ep, "", "--ca-bundle", ca.CertFile, "module", "list")   // the REST API
	mustSluice(t, ep, "", "--ca-bundle", ca.CertFile, "delivery", "list") // the REST API
	// The Firehose client: an answer from the API, not a TLS failure.
	if _, err := sluice(t, ep, "", "--ca-bundle", ca.CertFile, "put", "--delivery", "nope", `{"a":1}`); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("put --delivery over TLS: %v, want ResourceNotFoundException", err)
	}
	for _, args := range [][]string{{"stream", "list"}, {"module", "list"}} {
		if _, err := sluice(t, ep, "", args...); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Errorf("%v without the CA: %v, want the certificate refused", args, err)
		}
	}
	if _, err := sluice(t, ep, "", "--ca-bundle", leaf.KeyFile, "stream", "list"); err == nil || !strings.Contains(err.Error(), "--ca-bundle "+leaf.KeyFile+" holds no PEM certificate") {
		t.Errorf("a key as --ca-bundle: %v", err)
	}
	t.Setenv("AWS_CA_BUNDLE", ca.CertFile)
	if out := mustSluice(t, ep, "", "stream", "list"); !strings.Contains(out, "orders") {
		t.Errorf("stream list with AWS_CA_BUNDLE said %q", out)
	}
}

// TestCLIClientCertificate: against a server with --tls-client-ca the CLI
// is refused without a certificate and served with --client-cert and
// --client-key (the SDK clients and the REST client alike).
func TestCLIClientCertificate(t *testing.T) {
	ca := tlstest.NewCA(t, "test CA")
	leaf := ca.Server(t, "localhost", "127.0.0.1")
	client := ca.Client(t, "operator")
	srv, err := host.Open(context.Background(), host.Config{
		DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0",
		TLS: tlsconf.Files{Cert: leaf.CertFile, Key: leaf.KeyFile, ClientCA: ca.CertFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ep := srv.HTTPURL()
	for _, args := range [][]string{{"stream", "list"}, {"module", "list"}} {
		if _, err := sluice(t, ep, "", append([]string{"--ca-bundle", ca.CertFile}, args...)...); err == nil {
			t.Errorf("%v without a client certificate: served", args)
		}
		mustSluice(t, ep, "", append([]string{"--ca-bundle", ca.CertFile, "--client-cert", client.CertFile, "--client-key", client.KeyFile}, args...)...)
	}
	if _, err := sluice(t, ep, "", "--client-cert", client.CertFile, "stream", "list"); err == nil || !strings.Contains(err.Error(), "--client-cert needs --client-key") {
		t.Errorf("--client-cert alone: %v", err)
	}
}
