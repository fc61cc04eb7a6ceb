package natsd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// hang ends a wait that would otherwise hang; it is not a timing assertion.
const hang = time.Minute

func isData(name string) bool { return strings.HasPrefix(name, "KDS_") }

// startListening starts a server with a loopback listener that shares
// streams named KDS_* and the subjects kds.>.
func startListening(t *testing.T, dir string, creds ...Credential) *Server {
	t.Helper()
	s, err := Start(Config{DataDir: dir, Listen: "127.0.0.1:0", Credentials: creds, DataSubjects: "kds.>", IsDataStream: isData})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func dial(t *testing.T, s *Server, opts ...nats.Option) (*nats.Conn, error) {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.MaxReconnects(0), nats.Timeout(10 * time.Second)}, opts...)...)
	if err == nil {
		t.Cleanup(nc.Close)
	}
	return nc, err
}

func readToken(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestListenerRequiresAuthentication: a client with no credentials, or
// wrong ones, is refused; the generated tokens are made with mode 0600 and
// the same ones are used after a restart.
func TestListenerRequiresAuthentication(t *testing.T) {
	dir := t.TempDir()
	s := startListening(t, dir)
	var tokens [2]string
	for i, r := range []Role{RoleData, RoleKV} {
		path := s.GeneratedTokenFile(r)
		if path != TokenFile(dir, r) {
			t.Fatalf("%s token file %q, want %q", r, path, TokenFile(dir, r))
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Fatalf("%s token file has mode %v, want 0600", r, info.Mode().Perm())
		}
		tokens[i] = readToken(t, path)
		if len(tokens[i]) < 2*tokenBytes {
			t.Fatalf("%s token %d characters long", r, len(tokens[i]))
		}
	}
	if tokens[0] == tokens[1] {
		t.Fatal("the data and kv tokens are the same")
	}
	for name, opt := range map[string]nats.Option{
		"no credentials": nats.Name("anonymous"),
		"wrong token":    nats.Token(strings.Repeat("x", len(tokens[0]))),
		"user, no pass":  nats.UserInfo("data", ""),
	} {
		if _, err := dial(t, s, opt); !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: connect err %v, want an authorization violation", name, err)
		}
	}
	for i, tok := range tokens {
		if _, err := dial(t, s, nats.Token(tok)); err != nil {
			t.Errorf("token %d refused: %v", i, err)
		}
	}
	s.Close()

	// A restart keeps the tokens; a token file others could read is
	// narrowed to 0600.
	if err := os.Chmod(TokenFile(dir, RoleData), 0o644); err != nil {
		t.Fatal(err)
	}
	s = startListening(t, dir)
	for i, r := range []Role{RoleData, RoleKV} {
		if got := readToken(t, TokenFile(dir, r)); got != tokens[i] {
			t.Fatalf("%s token changed across a restart", r)
		}
		if _, err := dial(t, s, nats.Token(tokens[i])); err != nil {
			t.Fatalf("%s token refused after a restart: %v", r, err)
		}
	}
	if info, _ := os.Stat(TokenFile(dir, RoleData)); info.Mode().Perm() != 0o600 {
		t.Fatalf("token file left with mode %v", info.Mode().Perm())
	}
	// In-process connections log in with this start's own secrets.
	nc, err := s.Connect("internal")
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}

// TestConfiguredCredentials: a token, a user with a password and an nkey
// each log in; with one configured, a role gets no generated token; an
// incomplete credential is refused at start.
func TestConfiguredCredentials(t *testing.T) {
	dir := t.TempDir()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := nkeys.CreateUser()
	s := startListening(t, dir,
		Credential{Role: RoleData, Token: "a-data-token-0123456789"},
		Credential{Role: RoleData, User: "reader", Password: "a-long-password-42"},
		Credential{Role: RoleData, Nkey: pub},
	)
	if f := s.GeneratedTokenFile(RoleData); f != "" {
		t.Fatalf("a data token was made (%s) though data credentials are configured", f)
	}
	if _, err := os.Stat(TokenFile(dir, RoleData)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("data token file: %v, want none", err)
	}
	if s.GeneratedTokenFile(RoleKV) == "" {
		t.Fatal("no kv token made")
	}
	sign := func(k nkeys.KeyPair) nats.Option {
		p, _ := k.PublicKey()
		return nats.Nkey(p, k.Sign)
	}
	for name, c := range map[string]struct {
		opt nats.Option
		ok  bool
	}{
		"token":          {nats.Token("a-data-token-0123456789"), true},
		"user":           {nats.UserInfo("reader", "a-long-password-42"), true},
		"nkey":           {sign(kp), true},
		"other nkey":     {sign(other), false},
		"wrong password": {nats.UserInfo("reader", "a-long-password-43"), false},
		"unknown user":   {nats.UserInfo("writer", "a-long-password-42"), false},
	} {
		_, err := dial(t, s, c.opt)
		if c.ok && err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
		if !c.ok && !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: err %v, want an authorization violation", name, err)
		}
	}
	s.Close()

	for _, bad := range []Credential{
		{Role: RoleData, Token: "short"},
		{Role: RoleData, User: "u"},
		{Role: RoleData, Nkey: "not-a-key"},
		{Role: RoleData, Token: "a-data-token-0123456789", Nkey: pub},
		{Token: "a-data-token-0123456789"},
	} {
		if _, err := Start(Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Credentials: []Credential{bad}}); !errors.Is(err, ErrBadCredential) {
			t.Errorf("%+v: start err %v, want ErrBadCredential", bad, err)
		}
	}
	// No listener: nothing to log into, no token made.
	quiet, err := Start(Config{DataDir: dir + "-quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	if _, err := os.Stat(TokenFile(dir+"-quiet", RoleData)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("token file without a listener: %v", err)
	}
}

// TestAdoptGlobalStore: a data directory written before Sluice had NATS
// accounts (everything in the global account) keeps its streams.
func TestAdoptGlobalStore(t *testing.T) {
	dir := t.TempDir()
	old, err := server.NewServer(&server.Options{JetStream: true, StoreDir: filepath.Join(dir, "jetstream"), DontListen: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go old.Start()
	if !old.ReadyForConnections(hang) {
		t.Fatal("old server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(old))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KDS_old", Subjects: []string{"kds.old.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "kds.old.s", []byte("kept")); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	old.Shutdown()
	old.WaitForShutdown()

	s, err := Start(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in, err := s.Connect("t")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	js, _ = jetstream.New(in)
	st, err := js.Stream(ctx, "KDS_old")
	if err != nil {
		t.Fatalf("the old stream is gone: %v", err)
	}
	if m, err := st.GetMsg(ctx, 1); err != nil || string(m.Data) != "kept" {
		t.Fatalf("old record: %v %v", m, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream", server.JetStreamStoreDir, globalAccountDir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("global account store still there: %v", err)
	}
}
