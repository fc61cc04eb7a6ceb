package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/internal/s3test"
)

// TestSecretsMasked: every credential a definition holds comes back from
// Create, Apply and Describe as the mask; applying the described
// definition again changes nothing and keeps the stored secrets (the S3
// store and the HTTP endpoint still get the real ones); a mask is refused
// where there is nothing to keep or the destination changed.
func TestSecretsMasked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	srv := s3test.Start(t)
	ep := &endpoint{records: map[string]int{}, ids: map[string]bool{}}
	hs := httptest.NewServer(ep)
	defer hs.Close()

	s3d := s3Def("s3-secret", srv, nil)
	httpD := httpDef("http-secret", hs.URL, t.TempDir())
	httpD.Destination.HTTP.AccessKey = "http-access-key-4242"
	// An HTTP destination whose error store is S3 holds S3 keys too.
	httpD.Destination.HTTP.ErrorStore = &Destination{Kind: DestS3, S3: s3Def("", srv, nil).Destination.S3}
	secrets := []string{srv.AccessKey, srv.SecretKey, "http-access-key-4242"}

	for _, def := range []Definition{s3d, httpD} {
		out := e.create(def)
		assertMasked(t, "Create", out, secrets)
		got, _, err := e.m.Describe(ctx, def.Name)
		if err != nil {
			t.Fatal(err)
		}
		assertMasked(t, "Describe", got, secrets)
		for _, f := range secretFields(got) {
			if *f.value != Mask {
				t.Errorf("Describe: %s = %q, want the mask", f.path, *f.value)
			}
		}
		// The definition as described, applied again.
		again := *got
		out, changed, err := e.m.Apply(ctx, again)
		if err != nil {
			t.Fatalf("apply the described %s: %v", def.Name, err)
		}
		if changed {
			t.Errorf("applying the described %s changed it", def.Name)
		}
		assertMasked(t, "Apply", out, secrets)
	}
	// The stored secrets still work.
	e.waitCheckpoint("s3-secret", lastID(t, e.put("s3-secret", numbered(3, `{"n":%d}`))))
	if len(srv.List("")) == 0 {
		t.Fatal("nothing written to S3 with the kept secret")
	}
	e.waitCheckpoint("http-secret", lastID(t, e.put("http-secret", numbered(3, `{"n":%d}`))))
	ep.mu.Lock()
	key := ep.keys[len(ep.keys)-1]
	ep.mu.Unlock()
	if key != "http-access-key-4242" {
		t.Fatalf("the endpoint got access key %q, want the stored one", key)
	}

	// A mask where there is nothing to keep, or for a new destination.
	masked := s3Def("new-masked", srv, func(s *S3Dest) { s.SecretAccessKey = Mask })
	if _, err := e.m.Create(ctx, masked); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "mask") {
		t.Errorf("create with a masked secret = %v, want ErrInvalid about the mask", err)
	}
	moved, _, _ := e.m.Describe(ctx, "http-secret")
	moved.Destination.HTTP.URL = "http://127.0.0.1:1/elsewhere"
	if _, _, err := e.m.Apply(ctx, *moved); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "destination changed") {
		t.Errorf("apply a masked access key with a new URL = %v, want ErrInvalid", err)
	}
	moved.Destination.HTTP.URL = hs.URL
	moved.Destination.HTTP.AccessKey = "a-new-key"
	out, changed, err := e.m.Apply(ctx, *moved)
	if err != nil || !changed {
		t.Fatalf("apply a new access key: changed %v, %v", changed, err)
	}
	assertMasked(t, "Apply", out, []string{"a-new-key"})
}

// assertMasked fails if def, in any field, shows one of secrets.
func assertMasked(t *testing.T, what string, def *Definition, secrets []string) {
	t.Helper()
	b, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("%s shows the secret %q: %s", what, s, b)
		}
	}
}

// TestSecretReferences: S3 keys named by an environment variable and by a
// file in the secrets directory are read when the pipeline starts and
// deliver to a real S3 server; describe shows the references, never the
// values; references that cannot resolve, or would read outside the
// secrets directory or another variable, are refused at apply.
func TestSecretReferences(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	secretsDir := t.TempDir()
	e := newEnvWith(t, func(c *Config) { c.SecretsDir = secretsDir })
	t.Setenv("SLUICE_SECRET_S3_ID", srv.AccessKey)
	if err := os.WriteFile(filepath.Join(secretsDir, "s3-secret"), []byte(srv.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	def := s3Def("by-ref", srv, func(s *S3Dest) {
		s.AccessKeyID, s.SecretAccessKey = "", ""
		s.AccessKeyIDFrom = &SecretRef{Env: "SLUICE_SECRET_S3_ID"}
		s.SecretAccessKeyFrom = &SecretRef{File: "s3-secret"}
	})
	out := e.create(def)
	assertMasked(t, "Create", out, []string{srv.AccessKey, srv.SecretKey})
	if out.Destination.S3.SecretAccessKeyFrom == nil || out.Destination.S3.SecretAccessKeyFrom.File != "s3-secret" {
		t.Fatalf("describe lost the reference: %+v", out.Destination.S3)
	}
	e.waitCheckpoint("by-ref", lastID(t, e.put("by-ref", numbered(5, `{"n":%d}`))))
	if len(srv.List("")) == 0 {
		t.Fatal("nothing delivered with the referred keys")
	}

	outside := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(secretsDir, "link-out")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY_OF_HOST", "host-secret")
	for _, tc := range []struct {
		name string
		ref  SecretRef
		want string
	}{
		{"unset variable", SecretRef{Env: "SLUICE_SECRET_MISSING"}, "not set"},
		{"a variable without the prefix", SecretRef{Env: "AWS_SECRET_ACCESS_KEY_OF_HOST"}, SecretEnvPrefix},
		{"both", SecretRef{Env: "SLUICE_SECRET_S3_ID", File: "s3-secret"}, "exactly one"},
		{"neither", SecretRef{}, "exactly one"},
		{"missing file", SecretRef{File: "nope"}, "nope"},
		{"dot dot", SecretRef{File: "../elsewhere"}, ".."},
		{"absolute outside", SecretRef{File: outside}, "not inside"},
		{"symlink out", SecretRef{File: "link-out"}, "link-out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := s3Def("bad-ref", srv, func(s *S3Dest) { s.SecretAccessKey, s.SecretAccessKeyFrom = "", &tc.ref })
			_, err := e.m.Create(ctx, d)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "host-secret") {
				t.Fatalf("the refusal shows a secret: %v", err)
			}
		})
	}
	both := s3Def("both", srv, func(s *S3Dest) { s.SecretAccessKeyFrom = &SecretRef{File: "s3-secret"} })
	if _, err := e.m.Create(ctx, both); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a value and a reference in one field: %v", err)
	}

	// A reference that stops resolving fails the pipeline with the reason
	// (after a restart it is read again) and never shows the secret.
	if err := os.Remove(filepath.Join(secretsDir, "s3-secret")); err != nil {
		t.Fatal(err)
	}
	e.restart()
	st := e.waitState("by-ref", StatusFailed)
	if !strings.Contains(st.LastError, "s3-secret") || strings.Contains(st.LastError, srv.SecretKey) {
		t.Fatalf("last error %q", st.LastError)
	}
}

// TestAmbientCredentialsOnlyWhenAsked: an S3 destination without keys is
// refused unless it asks for the server's own credentials; one that asks
// signs with them (here from the environment) and delivers.
func TestAmbientCredentialsOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	e := newEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	noKeys := s3Def("no-keys", srv, func(s *S3Dest) { s.AccessKeyID, s.SecretAccessKey = "", "" })
	_, err := e.m.Create(ctx, noKeys)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "useAmbientCredentials") {
		t.Fatalf("create without keys = %v, want ErrInvalid naming useAmbientCredentials", err)
	}
	half := s3Def("half", srv, func(s *S3Dest) { s.SecretAccessKey = "" })
	if _, err := e.m.Create(ctx, half); !errors.Is(err, ErrInvalid) {
		t.Fatalf("create with only an access key id = %v", err)
	}
	keysAndAmbient := s3Def("keys-and-ambient", srv, func(s *S3Dest) { s.UseAmbientCredentials = true })
	if _, err := e.m.Create(ctx, keysAndAmbient); !errors.Is(err, ErrInvalid) {
		t.Fatalf("create with keys and ambient = %v", err)
	}
	ambient := s3Def("ambient", srv, func(s *S3Dest) { s.AccessKeyID, s.SecretAccessKey, s.UseAmbientCredentials = "", "", true })
	e.create(ambient)
	e.waitCheckpoint("ambient", lastID(t, e.put("ambient", numbered(2, `{"n":%d}`))))
	if len(srv.List("")) == 0 {
		t.Fatal("nothing delivered with the ambient credentials")
	}
}

// TestCredentialsInURLRefused: user:password in an endpoint URL would be
// shown by describe; it is refused, and the refusal does not repeat it.
func TestCredentialsInURLRefused(t *testing.T) {
	e := newEnv(t)
	d := httpDef("userinfo", "https://user:hunter2@example.test/ingest", t.TempDir())
	_, err := e.m.Create(context.Background(), d)
	if !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("create = %v, want ErrInvalid without the password", err)
	}
}
