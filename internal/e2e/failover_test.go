package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/internal/loopback"
	"github.com/sluice-io/sluice/internal/s3test"
)

// failoverBound ends the wait for another host to take a killed host's
// delivery stream over. It only ends a hang: the time is logged (and
// reported in BENCHMARKS.md); Sluice's own bound is delivery's lease TTL
// plus a renewal, under 10 s.
const failoverBound = 2 * time.Minute

// node is one `sluice serve` of a cluster started by startNodes.
type node struct {
	name     string
	cmd      *exec.Cmd
	endpoint string
	log      string
}

// startNodes starts n `sluice serve` processes whose embedded servers
// form one JetStream cluster on loopback, and waits until every one is
// ready. They are killed on t.Cleanup.
func startNodes(t *testing.T, bin string, n int) []*node {
	t.Helper()
	port := func() int {
		p, err := loopback.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	secret := filepath.Join(t.TempDir(), "cluster-secret")
	if err := os.WriteFile(secret, []byte("an-e2e-route-secret-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	httpPorts, routePorts := make([]int, n), make([]int, n)
	for i := range n {
		httpPorts[i], routePorts[i] = port(), port()
	}
	nodes := make([]*node, n)
	for i := range n {
		var routes []string
		for j := range n {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[j]))
			}
		}
		nd := &node{name: fmt.Sprintf("n%d", i+1), endpoint: fmt.Sprintf("http://127.0.0.1:%d", httpPorts[i]),
			log: filepath.Join(t.TempDir(), "serve.log")}
		logf, err := os.Create(nd.log)
		if err != nil {
			t.Fatal(err)
		}
		nd.cmd = exec.Command(bin, "serve", "--data-dir", t.TempDir(), "--output-root", os.TempDir(),
			"--http", fmt.Sprintf("127.0.0.1:%d", httpPorts[i]), "--nats", "",
			"--cluster-name", "e2e", "--node-name", nd.name,
			"--cluster-listen", fmt.Sprintf("127.0.0.1:%d", routePorts[i]),
			"--routes", strings.Join(routes, ","), "--cluster-secret-file", secret)
		nd.cmd.Stdout, nd.cmd.Stderr = logf, logf
		if err := nd.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = nd.cmd.Process.Kill(); _ = nd.cmd.Wait(); logf.Close() })
		nodes[i] = nd
	}
	var wg sync.WaitGroup
	for _, nd := range nodes {
		wg.Go(func() {
			deadline := time.Now().Add(waitLimit)
			for time.Now().Before(deadline) {
				if resp, err := http.Get(nd.endpoint + "/readyz"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						return
					}
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	for _, nd := range nodes {
		if resp, err := http.Get(nd.endpoint + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
			b, _ := os.ReadFile(nd.log)
			t.Fatalf("node %s not ready: %v\n%s", nd.name, err, b)
		}
	}
	return nodes
}

// TestFailoverKillHost: three Sluice hosts form a cluster; a delivery
// stream writing Parquet to S3 runs on one of them while records arrive
// through another; the host running it is killed with SIGKILL. Another
// host takes the delivery stream over (the time is logged), and S3 holds
// every record exactly once, in order per key.
func TestFailoverKillHost(t *testing.T) {
	bin := sluiceBinary(t)
	s3 := s3test.Start(t)
	nodes := startNodes(t, bin, 3)
	const name = "failover"
	applyDefinition(t, nodes[0].endpoint, delivery.Definition{
		Name:      name,
		Source:    delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering: buffering(),
		Format:    partitionFormat(),
		Destination: delivery.Destination{Kind: delivery.DestS3, S3: &delivery.S3Dest{
			Endpoint: s3.Endpoint, Bucket: s3.Bucket, Region: s3.Region,
			AccessKeyID: s3.AccessKey, SecretAccessKey: s3.SecretKey, PathStyle: true,
		}},
	})
	// owner is the host running the delivery stream, as via says; ""
	// while none does or via cannot say now (503 while JetStream elects
	// leaders after a kill: a client retries).
	owner := func(via *node) string {
		resp, err := http.Get(via.endpoint + "/v1/delivery-streams/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			return ""
		}
		var d rest.DeliveryStream
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("describe %s through %s: %d %v", name, via.name, resp.StatusCode, err)
		}
		return d.Status.Host
	}
	var victim *node
	deadline := time.Now().Add(waitLimit)
	for victim == nil && time.Now().Before(deadline) {
		h := owner(nodes[0])
		for _, nd := range nodes {
			if nd.name == h {
				victim = nd
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if victim == nil {
		t.Fatalf("no host runs %s: %+v", name, describeDelivery(t, nodes[0].endpoint, name).Status)
	}
	var producer, watcher *node
	for _, nd := range nodes {
		if nd != victim {
			if producer == nil {
				producer = nd
			} else {
				watcher = nd
			}
		}
	}
	t.Logf("%s runs on %s; records go in through %s", name, victim.name, producer.name)

	tk := newTicker(directSender(firehoseClient(producer.endpoint), name), 16, 100, 50*time.Millisecond)
	first, err := tk.put(context.Background(), 1000)
	mustf(t, err, "put")
	waitDelivered(t, watcher.endpoint, name, lastSeq(first))
	tk.start()
	time.Sleep(2 * time.Second) // batches in flight on the victim

	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = victim.cmd.Wait()
	var took time.Duration
	for {
		if h := owner(watcher); h != "" && h != victim.name {
			took = time.Since(killed)
			t.Logf("%s moved from %s to %s %v after the kill", name, victim.name, h, took.Round(10*time.Millisecond))
			break
		}
		if time.Since(killed) > failoverBound {
			t.Fatalf("%s still on %s %v after the kill: %+v", name, victim.name, failoverBound, describeDelivery(t, watcher.endpoint, name).Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // puts go on after the failover too
	recs := tk.halt(t)
	waitCaughtUp(t, watcher.endpoint, name, lastSeq(recs))
	st := describeDelivery(t, watcher.endpoint, name).Status
	if st.ErrorRecords != 0 {
		t.Errorf("status says %d error records, want 0", st.ErrorRecords)
	}
	dl := delivered{name: name, objects: s3Objects(t, s3, ""), recs: recs, row: partitionRow, bad: partitionBad}
	dl.check(t)
	t.Logf("%d records put, failover %v: FAILOVER_SECONDS=%s", len(recs), took.Round(10*time.Millisecond), strconv.FormatFloat(took.Seconds(), 'f', 2, 64))
}
