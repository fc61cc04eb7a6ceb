package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/auth"
)

var (
	cliAdmin    = auth.Key{AccessKeyID: "AKIDCLIADMIN000001", SecretAccessKey: "cli-admin-secret-0123456789"}
	cliProducer = auth.Key{AccessKeyID: "AKIDCLIPRODUCER001", SecretAccessKey: "cli-producer-secret-0123456789", Name: "sensor",
		Permissions: []auth.Grant{{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}}}}
)

// startSecureServer runs a server that accepts the CLI test keys.
func startSecureServer(t *testing.T) string {
	t.Helper()
	keys, err := auth.NewKeys(cliAdmin, cliProducer)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := host.Open(context.Background(), host.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Security: host.SecurityConfig{Keys: keys}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return "http://" + srv.HTTPAddr()
}

// isolateAWSEnv points the AWS SDK's files at an empty home and clears
// the AWS_* variables, so the machine's own credentials play no part.
func isolateAWSEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		t.Setenv(v, "")
	}
	return home
}

// TestCLISigns: the CLI signs its SDK calls and its REST calls with the
// keys of its flags, of the environment or of a profile, and says plainly
// what an authentication refusal means.
func TestCLISigns(t *testing.T) {
	ep := startSecureServer(t)
	home := isolateAWSEnv(t)
	creds := "[default]\naws_access_key_id = AKIDUNKNOWN0000001\naws_secret_access_key = unknown-secret-0123456789\n" +
		"[admin]\naws_access_key_id = " + cliAdmin.AccessKeyID + "\naws_secret_access_key = " + cliAdmin.SecretAccessKey + "\n"
	if err := os.WriteFile(filepath.Join(home, "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--access-key-id", cliAdmin.AccessKeyID, "--secret-access-key", cliAdmin.SecretAccessKey}
	mustSluice(t, ep, "", append(flags, "stream", "create", "sensors-1")...)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" for success, else a part of the error
	}{
		{"flags", nil, flags, ""},
		{"environment", map[string]string{"AWS_ACCESS_KEY_ID": cliAdmin.AccessKeyID, "AWS_SECRET_ACCESS_KEY": cliAdmin.SecretAccessKey}, nil, ""},
		{"--profile", nil, []string{"--profile", "admin"}, ""},
		{"AWS_PROFILE", map[string]string{"AWS_PROFILE": "admin"}, nil, ""},
		{"default profile, unknown key", nil, nil, "does not know this access key"},
		{"missing profile", nil, []string{"--profile", "nobody"}, "nobody"},
		{"wrong secret", nil, []string{"--access-key-id", cliAdmin.AccessKeyID, "--secret-access-key", "wrong-secret-0123456789"}, "could not verify the signature"},
		{"only the id", nil, []string{"--access-key-id", cliAdmin.AccessKeyID}, "give both"},
	}
	for _, c := range cases {
		for _, cmd := range [][]string{{"stream", "list"}, {"module", "list"}} {
			t.Run(c.name+"/"+cmd[0], func(t *testing.T) {
				for k, v := range c.env {
					t.Setenv(k, v)
				}
				_, err := sluice(t, ep, "", append(c.args, cmd...)...)
				switch {
				case c.want == "" && err != nil:
					t.Fatal(err)
				case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
					t.Fatalf("err %v, want one saying %q", err, c.want)
				}
			})
		}
	}
	if err := os.Remove(filepath.Join(home, "credentials")); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"stream", "list"}, {"module", "list"}} {
		if _, err := sluice(t, ep, "", cmd...); err == nil || !strings.Contains(err.Error(), "requires signed requests and no credentials were found") {
			t.Fatalf("%v with no credentials: %v", cmd, err)
		}
	}
	producer := []string{"--access-key-id", cliProducer.AccessKeyID, "--secret-access-key", cliProducer.SecretAccessKey}
	mustSluice(t, ep, "", append(producer, "put", "sensors-1", "-k", "s1", `{"t":1}`)...)
	wasm := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sluice(t, ep, "", append(producer, "module", "push", "enrich", wasm)...); err == nil ||
		!strings.Contains(err.Error(), "not allowed to do this") || !strings.Contains(err.Error(), "sluice:PushModule") {
		t.Fatalf("producer push: %v", err)
	}
}

// TestCLIWithoutCredentialsOnAnOpenServer: with no credentials anywhere,
// the CLI sends unsigned requests, which a server without keys takes.
func TestCLIWithoutCredentialsOnAnOpenServer(t *testing.T) {
	ep := startServer(t)
	isolateAWSEnv(t)
	mustSluice(t, ep, "", "stream", "create", "orders")
	mustSluice(t, ep, "", "module", "list")
}
