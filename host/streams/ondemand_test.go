package streams

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

func TestOnDemandScalesUpUnderLoadAndDownAfter(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	srv := jstest.Start(t, "")
	e, err := Open(ctx, srv.Conn, Config{Now: clk.Now, ScaleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.CreateStream(ctx, "od", 2); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateStream(ctx, "fixed", 2); err != nil {
		t.Fatal(err)
	}
	bad := &OnDemandPolicy{MinShards: 3, MaxShards: 2}
	if err := e.SetStreamMode(ctx, "od", ModeOnDemand, bad); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("min above max: %v", err)
	}
	policy := &OnDemandPolicy{MinShards: 2, MaxShards: 5, ScaleUp: 0.4, ScaleDown: 0.1, Cooldown: 2 * time.Second}
	if err := e.SetStreamMode(ctx, "od", ModeOnDemand, policy); err != nil {
		t.Fatal(err)
	}
	batch := make([]Record, MaxPutRecords)
	for i := range batch {
		batch[i] = Record{Data: []byte("x"), PartitionKey: string(rune('a' + i%26))}
	}
	load := func(n int) {
		for range n {
			for _, name := range []string{"od", "fixed"} {
				res, err := e.PutRecords(ctx, name, batch)
				if err != nil || failed(res) != 0 {
					t.Fatalf("put: %v", err)
				}
			}
		}
	}
	// Each step: records put (in batches of 500), seconds passed, then one
	// scaling pass and the open shards it leaves.
	steps := []struct {
		name    string
		batches int
		advance time.Duration
		open    int
	}{
		{"first pass starts the window", 0, 0, 2},
		{"3,000/s on 2 shards: grow, at most double", 6, time.Second, 4},
		{"still loaded, but cooling down", 6, time.Second, 4},
		{"3,000/s on 4 shards since the reshard: grow to the bound", 6, time.Second, 5},
		{"idle: shrink, at most half", 0, 3 * time.Second, 3},
		{"idle: shrink to the bound", 0, 3 * time.Second, 2},
		{"idle at the bound", 0, 3 * time.Second, 2},
	}
	for _, st := range steps {
		load(st.batches)
		clk.Advance(st.advance)
		if err := e.ScaleOnDemand(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		s, err := e.DescribeStream(ctx, "od")
		if err != nil {
			t.Fatal(err)
		}
		checkLineage(t, s)
		if s.OpenShards() != st.open {
			t.Fatalf("%s: %d open shards, want %d", st.name, s.OpenShards(), st.open)
		}
		if f, _ := e.DescribeStream(ctx, "fixed"); f.OpenShards() != 2 {
			t.Fatalf("%s: a provisioned stream was rescaled", st.name)
		}
	}
	if err := e.SetStreamMode(ctx, "od", ModeProvisioned, nil); err != nil {
		t.Fatal(err)
	}
	load(6)
	clk.Advance(3 * time.Second)
	if err := e.ScaleOnDemand(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.DescribeStream(ctx, "od"); s.OpenShards() != 2 || s.StreamMode() != ModeProvisioned {
		t.Fatalf("back to provisioned: %d open, mode %s", s.OpenShards(), s.StreamMode())
	}
}

func TestOnDemandTarget(t *testing.T) {
	p := OnDemandPolicy{MinShards: 1, MaxShards: 10, ScaleUp: 0.8, ScaleDown: 0.2}
	for _, tt := range []struct {
		open int
		util float64
		want int
	}{
		{1, 0.5, 1}, {1, 0.9, 2}, {2, 5, 4}, {8, 0.9, 10}, {4, 0.1, 2}, {4, 0.19, 2}, {5, 0.15, 3}, {1, 0, 1}, {10, 0.19, 5},
	} {
		if got := onDemandTarget(tt.open, tt.util, p); got != tt.want {
			t.Errorf("open %d at %.2f: %d, want %d", tt.open, tt.util, got, tt.want)
		}
	}
}

// TestOnDemandCountsEveryHost: the load is put through one host, the
// scaling passes run on two (each with its own connection): the measure
// is the JetStream stream's, so a host that put nothing sees the load
// too, and the two passes make one reshard, not two.
func TestOnDemandCountsEveryHost(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	srv := jstest.Start(t, "")
	var hosts []*Engine
	for _, name := range []string{"host-a", "host-b"} {
		nc, err := srv.Connect(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		hosts = append(hosts, openEngineOn(t, nc, Config{Now: clk.Now}))
	}
	a, b := hosts[0], hosts[1]
	if err := a.CreateStream(ctx, "od", 2); err != nil {
		t.Fatal(err)
	}
	policy := &OnDemandPolicy{MinShards: 1, MaxShards: 8, ScaleUp: 0.4, ScaleDown: 0.1, Cooldown: time.Minute}
	if err := a.SetStreamMode(ctx, "od", ModeOnDemand, policy); err != nil {
		t.Fatal(err)
	}
	for _, e := range hosts {
		if err := e.ScaleOnDemand(ctx); err != nil { // the windows start
			t.Fatal(err)
		}
	}
	batch := make([]Record, MaxPutRecords)
	for i := range batch {
		batch[i] = Record{Data: []byte("x"), PartitionKey: string(rune('a' + i%26))}
	}
	for range 6 { // 3,000 records in a second on 2 shards of 1,000/s each
		if res, err := b.PutRecords(ctx, "od", batch); err != nil || failed(res) != 0 {
			t.Fatalf("put: %v", err)
		}
	}
	clk.Advance(time.Second)
	// Host b describes from its definitions cache, which follows host a's
	// commit through a KV watcher a moment later (as Kinesis's own
	// DescribeStream is eventually consistent): wait for it, bounded.
	check := func(when string) {
		t.Helper()
		var s *Stream
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var err error
			if s, err = b.DescribeStream(ctx, "od"); err != nil {
				t.Fatal(err)
			}
			if s.Generation >= 1 && s.Status == StatusActive || time.Now().After(deadline) {
				break
			}
		}
		checkLineage(t, s)
		if s.OpenShards() != 4 || s.Generation != 1 {
			t.Fatalf("%s: %d open shards after %d reshards, want 4 after 1", when, s.OpenShards(), s.Generation)
		}
	}
	// Host a put nothing itself.
	if err := a.ScaleOnDemand(ctx); err != nil {
		t.Fatal(err)
	}
	check("after host a's pass")
	if err := b.ScaleOnDemand(ctx); err != nil {
		t.Fatal(err)
	}
	check("after host b's pass too")
}
