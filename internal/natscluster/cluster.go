package natscluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/internal/loopback"
)

// ReadyLimit bounds the waits for nodes to take connections and for the
// cluster to elect a meta leader with every peer current; it ends a hang,
// it is not a timing assertion.
const ReadyLimit = time.Minute

// Cluster is a running JetStream cluster.
type Cluster struct {
	t     testing.TB
	Name  string
	Nodes []*Node
	// User and Password are the client login every node accepts.
	User, Password string
	routeUser      string
	routePassword  string
}

// Node is one server of a Cluster; Server is nil while it is stopped.
type Node struct {
	Name       string
	Dir        string
	ClientPort int
	RoutePort  int
	Server     *server.Server
}

// Start starts a cluster of n nodes (n ≥ 2: one node alone forms no
// JetStream cluster) and waits until it is ready.
// It is shut down on t.Cleanup.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 2 {
		t.Fatalf("natscluster: %d nodes", n)
	}
	c := &Cluster{t: t, Name: "sluice-test", User: "sluice", Password: secret(t),
		routeUser: "route", routePassword: secret(t)}
	for i := range n {
		c.Nodes = append(c.Nodes, &Node{
			Name: fmt.Sprintf("n%d", i+1), Dir: t.TempDir(),
			ClientPort: freePort(t), RoutePort: freePort(t),
		})
	}
	t.Cleanup(c.Shutdown)
	for i := range c.Nodes {
		c.start(i)
	}
	c.WaitReady()
	return c
}

// options is node i's configuration: the same every time it starts.
func (c *Cluster) options(i int) *server.Options {
	n := c.Nodes[i]
	var routes []string
	for j, o := range c.Nodes {
		if j != i {
			routes = append(routes, fmt.Sprintf("nats://%s:%s@127.0.0.1:%d",
				url.QueryEscape(c.routeUser), url.QueryEscape(c.routePassword), o.RoutePort))
		}
	}
	return &server.Options{
		ServerName: n.Name,
		Host:       "127.0.0.1",
		Port:       n.ClientPort,
		NoSigs:     true,
		NoLog:      true,
		JetStream:  true,
		StoreDir:   filepath.Join(n.Dir, "jetstream"),
		MaxPayload: 10<<20 + 64<<10, // as Sluice's embedded server: 10 MiB records
		Users:      []*server.User{{Username: c.User, Password: c.Password}},
		Cluster: server.ClusterOpts{
			Name: c.Name, Host: "127.0.0.1", Port: n.RoutePort,
			Username: c.routeUser, Password: c.routePassword,
		},
		Routes: server.RoutesFromStr(strings.Join(routes, ",")),
	}
}

func (c *Cluster) start(i int) {
	c.t.Helper()
	srv, err := server.NewServer(c.options(i))
	if err != nil {
		c.t.Fatalf("natscluster: node %s: %v", c.Nodes[i].Name, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(ReadyLimit) {
		srv.Shutdown()
		c.t.Fatalf("natscluster: node %s did not take connections", c.Nodes[i].Name)
	}
	c.Nodes[i].Server = srv
}

// WaitReady waits until a meta leader sees every running node as a peer
// and every running node's JetStream is current.
func (c *Cluster) WaitReady() {
	c.t.Helper()
	deadline := time.Now().Add(ReadyLimit)
	for time.Now().Before(deadline) {
		if c.ready() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("natscluster: %s did not form in time", c.Name)
}

func (c *Cluster) ready() bool {
	leader := c.Leader()
	if leader == nil || len(leader.JetStreamClusterPeers()) != len(c.Nodes) {
		return false
	}
	for _, n := range c.Nodes {
		if n.Server != nil && !n.Server.JetStreamIsCurrent() {
			return false
		}
	}
	return true
}

// Leader is the running node that leads the JetStream meta group, or nil.
func (c *Cluster) Leader() *server.Server {
	for _, n := range c.Nodes {
		if n.Server != nil && n.Server.JetStreamIsLeader() {
			return n.Server
		}
	}
	return nil
}

// Stop shuts node i down (its store stays); it does nothing when the node
// is stopped.
func (c *Cluster) Stop(i int) {
	n := c.Nodes[i]
	if n.Server == nil {
		return
	}
	n.Server.Shutdown()
	n.Server.WaitForShutdown()
	n.Server = nil
}

// Restart starts a stopped node i again on its ports and store, and waits
// until the cluster is ready (the node caught up with the meta group).
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	if c.Nodes[i].Server != nil {
		return
	}
	c.start(i)
	c.WaitReady()
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.Nodes {
		c.Stop(i)
	}
}

// URLs is every node's client URL, comma-separated, without the login
// (as `--nats-url` takes them).
func (c *Cluster) URLs() string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, fmt.Sprintf("nats://127.0.0.1:%d", n.ClientPort))
	}
	return strings.Join(out, ",")
}

// Connect opens a client connection to the cluster with its login.
func (c *Cluster) Connect(name string) *nats.Conn {
	c.t.Helper()
	nc, err := nats.Connect(c.URLs(), nats.Name(name), nats.UserInfo(c.User, c.Password), nats.MaxReconnects(-1),
		nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		c.t.Fatalf("natscluster: connect: %v", err)
	}
	c.t.Cleanup(nc.Close)
	return nc
}

func secret(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freePort returns a loopback TCP port nothing listens on now. Nodes need
// their ports before any starts (routes name them) and keep them across a
// restart, so the server's random port will not do.
func freePort(t testing.TB) int {
	t.Helper()
	p, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
