package natsd

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/tlstest"
)

const testSecret = "0123456789abcdef-route-secret"

// startCluster starts n embedded servers joined into one cluster on
// loopback, all at once (a node alone has no JetStream quorum).
func startCluster(t *testing.T, n int) []*Server {
	t.Helper()
	plans, err := LoopbackClusters(n, "edge", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	srvs := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cfg := Config{DataDir: t.TempDir(), Cluster: plans[i]}
		wg.Go(func() { srvs[i], errs[i] = Start(cfg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i+1, err)
		}
		t.Cleanup(srvs[i].Close)
	}
	return srvs
}

// TestClusterReplicates: three embedded servers form a JetStream cluster,
// an R3 stream made through one has a replica on each, and it takes
// writes with one node down.
func TestClusterReplicates(t *testing.T) {
	srvs := startCluster(t, 3)
	for i, s := range srvs {
		if !strings.HasPrefix(s.RouteURL(), "nats-route://127.0.0.1:") {
			t.Fatalf("node %d: route URL %q", i+1, s.RouteURL())
		}
		if s.ClientURL() != "" { // the routes' loopback listener is not one to report
			t.Fatalf("node %d: client URL %q without Config.Listen", i+1, s.ClientURL())
		}
	}
	nc, err := srvs[0].Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var st jetstream.Stream
	for { // until the meta group has a leader
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		st, err = js.CreateStream(actx, jetstream.StreamConfig{Name: "r3", Subjects: []string{"r3.>"}, Replicas: 3})
		cancel()
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create an R3 stream: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster == nil || info.Cluster.Name != "edge" || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("cluster info %+v: want cluster edge with a leader and 2 replicas", info.Cluster)
	}
	srvs[2].Close()
	for i := range 50 {
		for {
			// Each attempt has its own deadline: a publish sent while a new
			// leader is elected can go unanswered.
			actx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_, err := js.Publish(actx, "r3.x", []byte("x"))
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("publish %d with a node down: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestClusterConfigRefused: a cluster that could not form, or would take
// unauthenticated routes, fails Start with every reason at once.
func TestClusterConfigRefused(t *testing.T) {
	cases := []struct {
		name string
		c    Cluster
		want []string
	}{
		{"nothing", Cluster{Routes: []string{"nats-route://127.0.0.1:1"}},
			[]string{"cluster name is required", "node name", "route secret", "route listen address is required"}},
		{"short secret", Cluster{Name: "a", NodeName: "n", Listen: "127.0.0.1:0", Secret: "short"}, []string{"route secret of at least 16"}},
		{"bad route", Cluster{Name: "a", NodeName: "n", Listen: "127.0.0.1:0", Secret: testSecret, Routes: []string{"http://x:1"}}, []string{`route "http://x:1"`}},
		{"bad listen", Cluster{Name: "a", NodeName: "n", Listen: "nowhere", Secret: testSecret}, []string{`"nowhere" is not host:port`}},
		{"wildcard name", Cluster{Name: "a.*", NodeName: "n", Listen: "127.0.0.1:0", Secret: testSecret}, []string{"subject wildcards"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Start(Config{DataDir: dir, Cluster: c.c})
			if err == nil {
				s.Close()
				t.Fatal("started")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestClusterRouteTLS: with a TLS configuration, routes take TLS only:
// two nodes with certificates of one CA form a cluster, a route listener
// demands TLS of whoever connects, and a certificate not good for client
// authentication (a node dials its peers with it) is refused at Start.
func TestClusterRouteTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "route CA")
	both := ca.Issue(t, "node", &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	})
	tc := &tls.Config{Certificates: []tls.Certificate{both.TLS}, ClientCAs: ca.Pool(), MinVersion: tls.VersionTLS12}

	plans, err := LoopbackClusters(1, "edge", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	serverOnly := ca.Server(t, "127.0.0.1")
	_, err = Start(Config{DataDir: t.TempDir(), Cluster: plans[0],
		TLS: &tls.Config{Certificates: []tls.Certificate{serverOnly.TLS}, ClientCAs: ca.Pool()}})
	if err == nil || !strings.Contains(err.Error(), "clientAuth") {
		t.Fatalf("Start with a server-only certificate: %v, want a refusal naming clientAuth", err)
	}

	plans, err = LoopbackClusters(2, "edge", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	srvs := make([]*Server, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		cfg := Config{DataDir: t.TempDir(), Cluster: plans[i], TLS: tc}
		wg.Go(func() { srvs[i], errs[i] = Start(cfg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d with route TLS: %v", i+1, err)
		}
		t.Cleanup(srvs[i].Close)
	}
	// Start returned: the nodes elected a meta leader over TLS routes. A
	// peer must present a certificate of the CA: plain TCP gets nothing,
	// TLS without a certificate is refused.
	addr := strings.TrimPrefix(srvs[0].RouteURL(), "nats-route://")
	plain, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	_ = plain.SetDeadline(time.Now().Add(15 * time.Second))
	_, _ = plain.Write([]byte("CONNECT {\"user\":\"" + RouteUser + "\",\"pass\":\"" + testSecret + "\"}\r\nPING\r\n"))
	if b, _ := io.ReadAll(plain); strings.Contains(string(b), "PONG") {
		t.Fatalf("a plain route connection was served: %q", b)
	}
	peer, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{both.TLS}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("a TLS route connection with a certificate of the CA: %v", err)
	}
	peer.Close()
	anon, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12})
	if err == nil {
		_ = anon.SetDeadline(time.Now().Add(15 * time.Second))
		_, err = bufio.NewReader(anon).ReadString('\n')
		anon.Close()
	}
	if err == nil {
		t.Fatal("a route connection without a client certificate was served")
	}
}
