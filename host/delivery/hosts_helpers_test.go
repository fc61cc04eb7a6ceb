package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
)

// hostEnv is one Sluice host of a cluster: its own connection to the
// shared JetStream and its own Manager.
type hostEnv struct {
	id   string
	nc   *nats.Conn
	m    *Manager
	prom *prometheus.Registry
	eng  *streams.Engine // its data streams, when the cluster has them
	dead bool            // its connection was closed abruptly (killed)
}

// cluster is several hosts (Managers) on one real JetStream server, each
// with a connection of its own: real JetStream, as several Sluice hosts
// on one NATS cluster see it.
type cluster struct {
	t     *testing.T
	srv   *jstest.Server
	mu    sync.Mutex
	hosts []*hostEnv
	// streams: each host added runs a data streams engine, so delivery
	// streams can read data streams.
	streams bool
}

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{t: t, srv: jstest.Start(t, "")}
	t.Cleanup(c.closeAll)
	for range n {
		c.add(nil)
	}
	return c
}

// add opens one more host, its Config changed by tune.
func (c *cluster) add(tune func(*Config)) *hostEnv {
	c.t.Helper()
	c.mu.Lock()
	id := fmt.Sprintf("h%d", len(c.hosts))
	c.mu.Unlock()
	nc, err := c.srv.Connect(id)
	if err != nil {
		c.t.Fatal(err)
	}
	cfg := Config{HostID: id, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		DrainTimeout: 2 * time.Second, OutputRoot: testOutputRoot()}
	if tune != nil {
		tune(&cfg)
	}
	h := &hostEnv{id: id, nc: nc, prom: prometheus.NewRegistry()}
	if c.streams {
		if h.eng, err = streams.Open(context.Background(), nc, streams.Config{}); err != nil {
			c.t.Fatalf("open %s's streams: %v", id, err)
		}
	}
	log := slog.New(slog.NewTextHandler(testWriter{c.t}, &slog.HandlerOptions{Level: slog.LevelWarn})).With("host", id)
	h.m, err = Open(context.Background(), nc, Deps{Streams: h.eng, Metrics: h.prom, Logger: log}, cfg)
	if err != nil {
		c.t.Fatalf("open %s: %v", id, err)
	}
	c.mu.Lock()
	c.hosts = append(c.hosts, h)
	c.mu.Unlock()
	return h
}

func (c *cluster) closeAll() {
	c.mu.Lock()
	hs := c.hosts
	c.hosts = nil
	c.mu.Unlock()
	for _, h := range hs {
		_ = h.m.Close()
		if h.eng != nil {
			_ = h.eng.Close()
		}
		h.nc.Close()
	}
}

// kill closes a host's connection abruptly: no drain, no lease released.
// Its Manager goes on without JetStream, as a host cut off or killed.
func (c *cluster) kill(h *hostEnv) {
	c.mu.Lock()
	h.dead = true
	c.mu.Unlock()
	h.nc.Close()
}

// runners are the live hosts running a pipeline for name.
func (c *cluster) runners(name string) []*hostEnv {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*hostEnv
	for _, h := range c.hosts {
		if !h.dead && h.m.pipeline(name) != nil {
			out = append(out, h)
		}
	}
	return out
}

// waitRunner waits until exactly one live host runs name and returns it.
func (c *cluster) waitRunner(name string, limit time.Duration) *hostEnv {
	c.t.Helper()
	var r *hostEnv
	waitWithin(c.t, limit, "one host to run "+name, func() bool {
		rs := c.runners(name)
		if len(rs) == 1 {
			r = rs[0]
		}
		return len(rs) == 1
	})
	return r
}

// numberedRec is record i: {"n":i,"k":...}, without "k" for every fourth
// (a partition query on "k" sends those to the error output).
func numberedRec(i int) []byte {
	if i%4 == 0 {
		return fmt.Appendf(nil, `{"n":%d}`, i)
	}
	return fmt.Appendf(nil, `{"n":%d,"k":"p%d"}`, i, i%2)
}

// numberedPut puts records numbered from..to-1 to name through h.
func numberedPut(t *testing.T, h *hostEnv, name string, from, to int) {
	t.Helper()
	for from < to {
		n := min(to-from, 100)
		recs := make([][]byte, n)
		for i := range recs {
			recs[i] = numberedRec(from + i)
		}
		res, err := h.m.Put(context.Background(), name, recs)
		if err != nil {
			t.Fatalf("put through %s: %v", h.id, err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("put through %s: %v", h.id, r.Err)
			}
		}
		from += n
	}
}

// delivered counts how often each record number is in the objects under
// dir; every line must be a numbered record.
func delivered(t *testing.T, dir string) map[int]int {
	t.Helper()
	return countUnder(t, objects(t, dir), "", false)
}

// countUnder counts how often each record number is in the objects whose
// keys start with prefix: as lines, or (errors) as the rawData of error
// records.
func countUnder(t *testing.T, objs map[string][]byte, prefix string, errors bool) map[int]int {
	t.Helper()
	seen := map[int]int{}
	for _, k := range sortedKeys(objs, prefix) {
		for _, l := range lines(objs[k]) {
			data := []byte(l)
			if errors {
				var e errorRecord
				if err := json.Unmarshal(data, &e); err != nil {
					t.Fatalf("object %s: %v", k, err)
				}
				data = e.RawData
			}
			var r struct{ N *int }
			if err := json.Unmarshal(data, &r); err != nil || r.N == nil {
				t.Fatalf("object %s holds %q, not a numbered record", k, data)
			}
			seen[*r.N]++
		}
	}
	return seen
}

// onceEach fails unless seen holds each record number i < n with
// want(i) once, and no other.
func onceEach(t *testing.T, what string, seen map[int]int, n int, want func(int) bool) {
	t.Helper()
	var dup, missing, stray []int
	for i := range n {
		switch {
		case !want(i) && seen[i] > 0:
			stray = append(stray, i)
		case !want(i):
		case seen[i] == 0:
			missing = append(missing, i)
		case seen[i] > 1:
			dup = append(dup, i)
		}
	}
	if len(dup)+len(missing)+len(stray) > 0 {
		t.Fatalf("%s: %d duplicated (%v...), %d missing (%v...), %d that belong elsewhere (%v...)",
			what, len(dup), head(dup), len(missing), head(missing), len(stray), head(stray))
	}
}

// exactlyOnce fails unless records 0..n-1 are each under dir once.
func exactlyOnce(t *testing.T, dir string, n int) {
	t.Helper()
	seen := delivered(t, dir)
	var dup, missing []int
	for i := range n {
		switch seen[i] {
		case 0:
			missing = append(missing, i)
		case 1:
		default:
			dup = append(dup, i)
		}
	}
	if len(dup) > 0 || len(missing) > 0 || len(seen) != n {
		t.Fatalf("%d records: %d duplicated (%v...), %d missing (%v...), %d distinct", n, len(dup), head(dup), len(missing), head(missing), len(seen))
	}
}

func head(s []int) []int { return s[:min(len(s), 10)] }

// waitDelivered waits until records 0..n-1 are all under dir.
func waitDelivered(t *testing.T, dir string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d records in %s", n, dir), func() bool {
		seen := delivered(t, dir)
		for i := range n {
			if seen[i] == 0 {
				return false
			}
		}
		return true
	})
}

// failoverBound is how long a killed host's work may take to move in a
// test: the design's bound (a lease lasts LeaseTTL after its last renewal,
// another host notices within a LeaseRenew or two) plus generous slack so
// a slow, loaded machine cannot fail the test. The figure measured is
// logged; it is about 5 s.
func failoverBound() time.Duration { return DefaultLeaseTTL + 2*DefaultLeaseRenew + 15*time.Second }
