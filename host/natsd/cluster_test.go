package natsd

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
