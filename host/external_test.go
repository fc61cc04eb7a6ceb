package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/natsclient"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/internal/awstest"
	"github.com/sluice-io/sluice/internal/natscluster"
)

// TestExternalNATSCluster: two hosts run on a 3-node NATS cluster they do
// not run (--nats-url); everything is kept in three copies by default; a
// stream created through one host takes records through both and is read
// through the other; with one NATS node down, puts and reads go on; the
// node comes back and catches up.
func TestExternalNATSCluster(t *testing.T) {
	nc := natscluster.Start(t, 3)
	var urls []string
	for _, n := range nc.Nodes {
		urls = append(urls, fmt.Sprintf("nats://%s:%s@127.0.0.1:%d", url.QueryEscape(nc.User), url.QueryEscape(nc.Password), n.ClientPort))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var kcs []*kinesis.Client
	var srvs []*Server
	for range 2 {
		srv, err := Open(ctx, Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", OutputRoot: os.TempDir(),
			NATS: natsclient.Config{URLs: urls}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		if srv.NATSURL() != "" {
			t.Errorf("a host on external servers has NATS listener %q, want none", srv.NATSURL())
		}
		srvs = append(srvs, srv)
		kcs = append(kcs, kinesis.New(kinesis.Options{
			BaseEndpoint: aws.String("http://" + srv.HTTPAddr()),
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
			HTTPClient:   awstest.SDKHTTPClient(),
		}))
	}
	if _, err := kcs[0].CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	wantReplicas(ctx, t, srvs[1], DefaultClusterReplicas)
	put := func(kc *kinesis.Client, i int) { t.Helper(); putRetrying(ctx, t, kc, "s", i) }
	for i := range 20 {
		put(kcs[i%2], i)
	}
	// status is GET /v1/cluster, nil while JetStream cannot answer (503,
	// as during an election).
	status := func() *rest.ClusterStatus {
		t.Helper()
		resp, err := http.Get("http://" + srvs[0].HTTPAddr() + "/v1/cluster")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st rest.ClusterStatus
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatalf("GET /v1/cluster: %d, %v", resp.StatusCode, err)
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			return nil
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/cluster: %d %+v", resp.StatusCode, st)
		}
		return &st
	}
	// dataStream is the data stream's entry of st, nil when JetStream's
	// stream list came back without it (it does, incomplete, while a node
	// catches up or was just stopped).
	dataStream := func(st *rest.ClusterStatus) *rest.StreamPlacement {
		for i, p := range st.Streams {
			if p.Kind == "data-stream" {
				return &st.Streams[i]
			}
		}
		return nil
	}
	placement := func(st *rest.ClusterStatus) *rest.StreamPlacement {
		p := dataStream(st)
		if p == nil {
			t.Fatalf("cluster status has no data stream: %+v", st)
		}
		return p
	}
	var st *rest.ClusterStatus
	// Right after start a node may still be catching up, and JetStream's
	// stream list then comes back incomplete: wait for one with the data
	// stream in it.
	eventually(t, "a cluster status listing the data stream", func() bool {
		st = status()
		return st != nil && dataStream(st) != nil
	})
	if st.Host.NATS != "external" || st.Host.Replicas != 3 || len(st.Servers) == 0 {
		t.Errorf("cluster status host %+v, servers %q", st.Host, st.Servers)
	}
	for _, u := range st.Servers {
		if strings.Contains(u, nc.Password) {
			t.Errorf("cluster status shows the password: %q", u)
		}
	}
	if st.Host.ID == "" {
		t.Error("cluster status names no host ID")
	}
	if got := metric(t, srvs[0], `sluice_host_info{cluster="sluice-test",host="`+st.Host.ID+`",nats="external",node="`+st.Host.ConnectedServer+`",replicas="3"}`); got != 1 {
		t.Errorf("sluice_host_info{host=%q, node=%q} = %v, want 1", st.Host.ID, st.Host.ConnectedServer, got)
	}
	if p := placement(st); p.Leader == "" || len(p.Replicas) != 3 || p.Messages != 20 {
		t.Errorf("data stream placement %+v", p)
	}
	// A delivery stream, created through one host and fed through the
	// other, goes on with a NATS node down too.
	out := t.TempDir()
	zero := 0
	if _, _, err := srvs[0].delivery.Apply(ctx, delivery.Definition{
		Name:        "archive",
		Buffering:   delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: out}, Prefix: "p/", ErrorPrefix: "e/"},
	}); err != nil {
		t.Fatal(err)
	}
	// retried are the records whose put was sent again: a put whose
	// answer was lost may have been stored, so they may be delivered
	// twice (as on Firehose); every other record exactly once.
	retried := map[string]bool{}
	deliver := func(i int) {
		t.Helper()
		rec := fmt.Sprintf(`{"n":%d}`, i)
		for {
			res, err := srvs[1].delivery.Put(ctx, "archive", [][]byte{[]byte(rec)})
			if err == nil && res[0].Err == nil {
				return
			}
			retried[rec] = true
			if err == nil {
				err = res[0].Err
			}
			t.Logf("direct put %d sent again: %v", i, err)
			if ctx.Err() != nil {
				t.Fatalf("direct put %d: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i := range 10 {
		deliver(i)
	}
	nc.Stop(1)
	eventually(t, "a replica shown offline", func() bool {
		st := status()
		if st == nil {
			return false
		}
		p := dataStream(st)
		if p == nil {
			return false
		}
		for _, r := range p.Replicas {
			if r.Name == nc.Nodes[1].Name && (r.Offline || !r.Current) {
				return true
			}
		}
		return false
	})
	for i := 10; i < 20; i++ {
		deliver(i)
	}
	eventually(t, "20 records delivered, each once, with a NATS node down", func() bool {
		return deliveredLines(t, filepath.Join(out, "p"), retried) == 20
	})
	for i := 20; i < 40; i++ {
		put(kcs[i%2], i)
	}
	want := make([]string, 40)
	for i := range want {
		want[i] = fmt.Sprint(i)
	}
	// read reads the stream through kc until it holds the 40 records (or
	// the test's deadline): a direct get may be answered by a replica a
	// moment behind the leader, as Kinesis's reads follow its writes
	// within moments, not at once.
	read := func(kc *kinesis.Client) []string {
		t.Helper()
		for {
			got, err := readAll(ctx, kc, "s")
			if err == nil && (len(got) >= len(want) || ctx.Err() != nil) {
				return got
			}
			if ctx.Err() != nil {
				t.Fatalf("read: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got := read(kcs[1]); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("read through host 2 with a NATS node down: %q", got)
	}
	nc.Restart(1)
	if got := read(kcs[0]); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("read through host 1 after the node came back: %q", got)
	}
	// Two nodes of three down: no majority, so JetStream cannot answer.
	// A put is answered ServiceUnavailable (503) when JetStream does not
	// answer the stream's lookup, or ProvisionedThroughputExceeded when
	// the write itself times out (which of the two depends on where the
	// deadline falls); both are retried by the SDKs. Never
	// InternalFailure: it is no fault of the request, nor a server bug.
	nc.Stop(1)
	nc.Stop(2)
	start := time.Now()
	_, err := kcs[0].PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")},
		func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
	var re *awshttp.ResponseError
	unavailable := errors.As(err, &re) && re.HTTPStatusCode() == 503 && strings.Contains(err.Error(), "ServiceUnavailable")
	var throttled *types.ProvisionedThroughputExceededException
	if !unavailable && !errors.As(err, &throttled) {
		t.Fatalf("put without a majority: %v, want 503 ServiceUnavailable or ProvisionedThroughputExceeded", err)
	}
	t.Logf("put without a majority: %v after %s", err, time.Since(start).Round(time.Millisecond))
	// Reads still work (any replica answers a direct get), but a change
	// that needs the stream's leader is 503.
	start = time.Now()
	_, err = kcs[0].IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("s"), RetentionPeriodHours: aws.Int32(48)},
		func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
	if !errors.As(err, &re) || re.HTTPStatusCode() != 503 || !strings.Contains(err.Error(), "ServiceUnavailable") {
		t.Fatalf("retention change without a majority: %v, want 503 ServiceUnavailable", err)
	}
	t.Logf("retention change without a majority: 503 ServiceUnavailable after %s", time.Since(start).Round(time.Millisecond))
}

// wantReplicas checks that every JetStream stream srv sees has want
// replicas.
func wantReplicas(ctx context.Context, t *testing.T, srv *Server, want int) {
	t.Helper()
	js, err := jetstream.New(srv.nc)
	if err != nil {
		t.Fatal(err)
	}
	for name := range js.StreamNames(ctx).Name() {
		st, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if r := st.CachedInfo().Config.Replicas; r != want {
			t.Errorf("JetStream stream %s has %d replicas, want %d", name, r, want)
		}
	}
}

// putRetrying puts record i (its data "i", key "k") to stream through
// kc, again until it is taken: a put sent while a leader moves off a
// stopped node can fail.
func putRetrying(ctx context.Context, t *testing.T, kc *kinesis.Client, stream string, i int) {
	t.Helper()
	for {
		_, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(stream),
			PartitionKey: aws.String("k"), Data: fmt.Appendf(nil, "%d", i)})
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliveredLines counts the distinct lines of the files under dir,
// failing on a line seen twice unless mayRepeat holds it.
func deliveredLines(t *testing.T, dir string, mayRepeat map[string]bool) int {
	t.Helper()
	seen := map[string]string{}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l == "" {
				continue
			}
			if first, ok := seen[l]; ok && !mayRepeat[l] {
				t.Fatalf("record %s delivered twice: in %s and %s", l, first, path)
			}
			if _, ok := seen[l]; !ok {
				seen[l] = path
			}
		}
		return nil
	})
	return len(seen)
}

// readAll reads every record of every shard of stream through kc.
func readAll(ctx context.Context, kc *kinesis.Client, stream string) ([]string, error) {
	shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		return nil, err
	}
	var got []string
	for _, sh := range shards.Shards {
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream),
			ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return nil, err
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				return nil, err
			}
			for _, r := range out.Records {
				got = append(got, string(r.Data))
			}
			if len(out.Records) == 0 || aws.ToInt64(out.MillisBehindLatest) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return got, nil
}

// TestExternalRefusesServerSettings: with --nats-url, the settings of a
// server Sluice would run are refused, not silently ignored.
func TestExternalRefusesServerSettings(t *testing.T) {
	ext := natsclient.Config{URLs: []string{"nats://127.0.0.1:1"}}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"listener", Config{NATS: ext, NATSListen: "127.0.0.1:4222"}, "--nats"},
		{"logins", Config{NATS: ext, NATSCredentials: []natsd.Credential{{Role: natsd.RoleData, Token: "t"}}}, "--nats-token"},
		{"routes", Config{NATS: ext, Cluster: natsd.Cluster{Listen: "127.0.0.1:6222"}}, "--cluster-listen"},
		{"encryption", Config{NATS: ext, Encryption: natsd.Encryption{Key: strings.Repeat("k", 32)}}, "--encryption-key-file"},
		{"store limit", Config{NATS: ext, MaxStore: natsd.StoreLimit{Percent: 50}}, "--max-store"},
		{"sync", Config{NATS: ext, SyncAlways: true}, "--sync"},
		{"bad url", Config{NATS: natsclient.Config{URLs: []string{"http://x"}}}, "scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.DataDir, tc.cfg.HTTPAddr = t.TempDir(), "127.0.0.1:0"
			srv, err := Open(context.Background(), tc.cfg)
			if err == nil {
				srv.Close()
				t.Fatal("Open: no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want %q in it", err, tc.want)
			}
		})
	}
}
