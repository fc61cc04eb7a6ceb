package host

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/internal/awstest"
)

// openCluster opens n hosts whose embedded servers form one JetStream
// cluster on loopback. They start together: a node alone has no quorum.
func openCluster(t testing.TB, n int) ([]*Server, []*kinesis.Client) {
	t.Helper()
	plans, err := natsd.LoopbackClusters(n, "edge", "a-route-secret-of-some-length")
	if err != nil {
		t.Fatal(err)
	}
	srvs := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		cfg := Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", OutputRoot: os.TempDir(), Cluster: plans[i]}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srvs[i], errs[i] = Open(ctx, cfg)
		})
	}
	wg.Wait()
	clients := make([]*kinesis.Client, n)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("host %d: %v", i+1, err)
		}
		t.Cleanup(func() { srvs[i].Close() })
		clients[i] = kinesis.New(kinesis.Options{
			BaseEndpoint: aws.String("http://" + srvs[i].HTTPAddr()),
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
			HTTPClient:   awstest.SDKHTTPClient(),
		})
	}
	return srvs, clients
}

// TestClusterOfHosts: three hosts' embedded servers form a JetStream
// cluster; a data stream is kept in three copies (the default on a
// cluster), and records put through one host are read through another,
// with a third host down.
func TestClusterOfHosts(t *testing.T) {
	if os.Getenv("SLUICE_CLUSTER_TESTS") == "" {
		// Groundwork for issue 12: it failed twice in a row, unexplained,
		// in a dozen runs on the 2-core machine; `make cluster-test` runs it.
		t.Skip("set SLUICE_CLUSTER_TESTS=1 (make cluster-test) to run the host-level cluster test")
	}
	srvs, kcs := openCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := kcs[0].CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	wantReplicas(ctx, t, srvs[0], DefaultClusterReplicas)

	srvs[2].Close()
	put := func(kc *kinesis.Client, from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			putRetrying(ctx, t, kc, "s", i)
		}
	}
	put(kcs[0], 0, 20)
	put(kcs[1], 20, 40)

	// Read the key's shard through the second host: every record, in order.
	got, err := readAll(ctx, kcs[1], "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 40 {
		t.Fatalf("read %d records, want 40: %q", len(got), got)
	}
	for i, g := range got {
		if g != fmt.Sprint(i) {
			t.Fatalf("record %d is %q: %q", i, g, got)
		}
	}
}
