package natsd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/sluice-io/sluice/internal/loopback"
)

// RouteUser is the user name every node's routes log in with; the password
// is Cluster.Secret, the same on every node.
const RouteUser = "sluice-route"

// MinClusterSecret is the shortest route secret Start accepts, in bytes.
const MinClusterSecret = 16

// Cluster says how the embedded server joins a JetStream cluster: with
// other Sluice hosts' embedded servers, or with nats-server nodes that
// take the same route login. The zero value joins none.
type Cluster struct {
	// Name is the cluster's name, the same on every node.
	Name string
	// NodeName is this server's name, unique in the cluster (JetStream
	// places replicas by it).
	NodeName string
	// Listen is the route listener, host:port.
	Listen string
	// Routes are the other nodes' route URLs (nats-route://host:port or
	// nats://host:port); a URL without a login gets RouteUser and Secret.
	Routes []string
	// Secret is the route password every node shares (at least
	// MinClusterSecret bytes): a route listener never takes an
	// unauthenticated peer.
	Secret string
	// TLS, when set, makes every route TLS in both directions with this
	// configuration's certificate (which must be good for server and
	// client authentication, with the name or IP other nodes dial it by),
	// each peer verified against its ClientCAs (nil: the system's roots).
	// Start sets it from Config.TLS.
	TLS *tls.Config
}

// Enabled reports whether the server joins a cluster.
func (c Cluster) Enabled() bool { return c.Listen != "" || len(c.Routes) > 0 }

// apply sets the server's cluster options from c, or fails on a
// configuration that cannot form an authenticated cluster.
func (c Cluster) apply(opts *server.Options) error {
	if !c.Enabled() {
		return nil
	}
	var problems []string
	if c.Name == "" {
		problems = append(problems, "a cluster name is required")
	} else if strings.ContainsAny(c.Name, " \t\r\n.*>") {
		problems = append(problems, fmt.Sprintf("cluster name %q has spaces or subject wildcards", c.Name))
	}
	if c.NodeName == "" {
		problems = append(problems, "a node name, unique in the cluster, is required")
	} else if strings.ContainsAny(c.NodeName, " \t\r\n") {
		problems = append(problems, fmt.Sprintf("node name %q has spaces", c.NodeName))
	}
	if len(c.Secret) < MinClusterSecret {
		problems = append(problems, fmt.Sprintf("a route secret of at least %d bytes is required (routes always authenticate)", MinClusterSecret))
	}
	if c.Listen == "" {
		problems = append(problems, "a route listen address is required")
	}
	host, port, err := net.SplitHostPort(c.Listen)
	p := 0
	if c.Listen != "" {
		if err == nil {
			p, err = strconv.Atoi(port)
		}
		if err != nil || p < 0 || p > 65535 {
			problems = append(problems, fmt.Sprintf("route listen address %q is not host:port", c.Listen))
		}
	}
	var routes []*url.URL
	for _, r := range c.Routes {
		u, err := url.Parse(r)
		if err != nil || u.Host == "" || (u.Scheme != "nats-route" && u.Scheme != "nats") {
			problems = append(problems, fmt.Sprintf("route %q is not nats-route://host:port", r))
			continue
		}
		if u.User == nil {
			u.User = url.UserPassword(RouteUser, c.Secret)
		}
		routes = append(routes, u)
	}
	if c.TLS != nil {
		if err := routeCertificate(c.TLS); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("natsd: cluster: %w", errors.New(strings.Join(problems, "; ")))
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	opts.ServerName = c.NodeName
	opts.Cluster = server.ClusterOpts{
		Name: c.Name, Host: host, Port: p,
		Username: RouteUser, Password: c.Secret,
	}
	opts.Routes = routes
	if c.TLS != nil {
		tc := c.TLS.Clone()
		tc.ClientAuth = tls.RequireAndVerifyClientCert
		tc.RootCAs = tc.ClientCAs // dialing a peer verifies it as accepting one does
		opts.Cluster.TLSConfig = tc
		opts.Cluster.TLSTimeout = routeTLSTimeout.Seconds()
	}
	return nil
}

// routeCertificate checks that c's certificate can serve routes: a node
// both accepts routes (server authentication) and dials them (client
// authentication) with it.
func routeCertificate(c *tls.Config) error {
	if len(c.Certificates) == 0 || len(c.Certificates[0].Certificate) == 0 {
		return errors.New("route TLS needs a certificate")
	}
	leaf, err := x509.ParseCertificate(c.Certificates[0].Certificate[0])
	if err != nil {
		return fmt.Errorf("route TLS certificate: %w", err)
	}
	if len(leaf.ExtKeyUsage) == 0 {
		return nil // any use
	}
	var server, client bool
	for _, u := range leaf.ExtKeyUsage {
		server = server || u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny
		client = client || u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny
	}
	if !server || !client {
		return errors.New("routes take TLS with the server's certificate (--tls-cert), which must then be good for both server and client authentication (extended key usage serverAuth and clientAuth)")
	}
	return nil
}

// routeTLSTimeout bounds a route's TLS handshake.
const routeTLSTimeout = 5 * time.Second

// waitForMeta waits until srv is in touch with a current JetStream meta
// leader, logging while it waits, for at most limit.
func waitForMeta(srv *server.Server, log *slog.Logger, limit time.Duration) error {
	start := time.Now()
	next := start.Add(10 * time.Second)
	for !srv.JetStreamIsCurrent() {
		if time.Since(start) > limit {
			return fmt.Errorf("natsd: cluster: no JetStream meta leader after %s (are a majority of the nodes up and routed?)", limit)
		}
		if time.Now().After(next) {
			log.Warn("waiting for the JetStream cluster: a majority of the nodes must be up", "waited", time.Since(start).Round(time.Second))
			next = time.Now().Add(10 * time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// LoopbackClusters plans a cluster of n nodes on this machine: each
// node's Cluster, on a free loopback route port, with routes to the
// others. It is for tests and local trials (three hosts on one machine).
func LoopbackClusters(n int, name, secret string) ([]Cluster, error) {
	ports := make([]int, n)
	for i := range ports {
		var err error
		if ports[i], err = loopback.FreePort(); err != nil {
			return nil, fmt.Errorf("natsd: %w", err)
		}
	}
	out := make([]Cluster, n)
	for i := range out {
		var routes []string
		for j, p := range ports {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
			}
		}
		out[i] = Cluster{Name: name, NodeName: fmt.Sprintf("%s-%d", name, i+1),
			Listen: fmt.Sprintf("127.0.0.1:%d", ports[i]), Routes: routes, Secret: secret}
	}
	return out, nil
}

// Jsz is the server's JetStream report: its meta group's leader and
// peers on a cluster. Nil when the server cannot say.
func (s *Server) Jsz() *server.JSInfo {
	info, err := s.srv.Jsz(&server.JSzOptions{})
	if err != nil {
		return nil
	}
	return info
}
