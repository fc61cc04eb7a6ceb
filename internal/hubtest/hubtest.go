package hubtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/internal/loopback"
)

// The hub's names.
const (
	// Domain is the hub's JetStream domain.
	Domain = "hub"
	// Account is the hub account the edges' leaf connections and the
	// hub's clients are bound to.
	Account = "EDGES"
)

// ReadyLimit bounds the wait for the hub to take connections; it ends a
// hang, it is not a timing assertion.
const ReadyLimit = time.Minute

// Options change the hub Start makes.
type Options struct {
	// LeafCertFile and LeafKeyFile, when set, make the leaf node
	// listener TLS only, with this certificate.
	LeafCertFile, LeafKeyFile string
}

// Hub is a hub server; Server is nil while it is stopped.
type Hub struct {
	t      testing.TB
	opts   Options
	Dir    string
	Server *server.Server
	// ClientPort and LeafPort are the client and leaf node listeners.
	ClientPort, LeafPort int
	// User and Password are the hub client login (in Account).
	User, Password string
	// Edges are the leaf logins the hub takes: user name to password.
	Edges map[string]string
}

// Start starts a hub that takes a leaf connection from each of edges (a
// user name each, with a random password: Edges), on t.TempDir(). It is
// shut down on t.Cleanup.
func Start(t testing.TB, edges ...string) *Hub {
	t.Helper()
	return StartWith(t, Options{}, edges...)
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options, edges ...string) *Hub {
	t.Helper()
	h := &Hub{t: t, opts: o, Dir: t.TempDir(), User: "sluice", Password: secret(t), Edges: map[string]string{}}
	for _, e := range edges {
		h.Edges[e] = secret(t)
	}
	var err error
	if h.ClientPort, err = loopback.FreePort(); err != nil {
		t.Fatal(err)
	}
	if h.LeafPort, err = loopback.FreePort(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	h.Restart()
	return h
}

func (h *Hub) options() *server.Options {
	h.t.Helper()
	var users, tls strings.Builder
	for u, p := range h.Edges {
		fmt.Fprintf(&users, "      {user: %q, password: %q, account: %s}\n", u, p, Account)
	}
	if h.opts.LeafCertFile != "" {
		fmt.Fprintf(&tls, "  tls: {cert_file: %q, key_file: %q}\n", h.opts.LeafCertFile, h.opts.LeafKeyFile)
	}
	conf := fmt.Sprintf(`
server_name: hub
host: 127.0.0.1
port: %d
max_payload: %d
jetstream: {store_dir: %q, domain: %s}
accounts: {
  %s: {
    jetstream: enabled
    users: [{user: %q, password: %q}]
  }
}
leafnodes: {
  host: 127.0.0.1
  port: %d
  # Edges that dial through a Link must not learn the listener's own
  # address from the INFO and go round the Link.
  no_advertise: true
%s  authorization: {
    users: [
%s    ]
  }
}
`, h.ClientPort, 10<<20+64<<10, filepath.Join(h.Dir, "jetstream"), Domain, Account, h.User, h.Password, h.LeafPort, tls.String(), users.String())
	opts := &server.Options{}
	if err := opts.ProcessConfigString(conf); err != nil {
		h.t.Fatalf("hubtest: config: %v", err)
	}
	opts.NoSigs, opts.NoLog = true, true
	return opts
}

// Restart starts a stopped hub again on its ports and store (Start
// starts it the first time); it does nothing when the hub runs.
func (h *Hub) Restart() {
	h.t.Helper()
	if h.Server != nil {
		return
	}
	srv, err := server.NewServer(h.options())
	if err != nil {
		h.t.Fatalf("hubtest: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(ReadyLimit) {
		srv.Shutdown()
		h.t.Fatal("hubtest: the hub did not take connections")
	}
	h.Server = srv
}

// Stop shuts the hub down (its store stays); it does nothing when the hub
// is stopped.
func (h *Hub) Stop() {
	if h.Server == nil {
		return
	}
	h.Server.Shutdown()
	h.Server.WaitForShutdown()
	h.Server = nil
}

// LeafURL is the URL edges connect their leaf connection to.
func (h *Hub) LeafURL() string { return fmt.Sprintf("nats-leaf://127.0.0.1:%d", h.LeafPort) }

// ClientURL is the hub's client URL, without the login.
func (h *Hub) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", h.ClientPort) }

// PasswordFile writes edge's leaf password to a file (mode 0600) and
// returns its path.
func (h *Hub) PasswordFile(edge string) string {
	h.t.Helper()
	p, ok := h.Edges[edge]
	if !ok {
		h.t.Fatalf("hubtest: no edge %q", edge)
	}
	path := filepath.Join(h.t.TempDir(), edge+".password")
	if err := os.WriteFile(path, []byte(p+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// Connect opens a client connection to the hub account that reconnects
// forever (across Stop and Restart); it is closed on t.Cleanup.
func (h *Hub) Connect(name string) *nats.Conn {
	h.t.Helper()
	nc, err := nats.Connect(h.ClientURL(), nats.Name(name), nats.UserInfo(h.User, h.Password),
		nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		h.t.Fatalf("hubtest: connect: %v", err)
	}
	h.t.Cleanup(nc.Close)
	return nc
}

// LeafConnected reports whether any edge has a leaf connection to the hub.
func (h *Hub) LeafConnected() bool {
	return h.Server != nil && h.Server.NumLeafNodes() > 0
}

func secret(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
