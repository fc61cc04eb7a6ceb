package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Three hosts on one JetStream: each delivery stream runs on exactly one
// of them (before, each host ran every one: every record was delivered
// three times), whichever host it was created on; records put through any
// host are delivered once; every host's Describe names the same host.
func TestOneWorkerPerDeliveryStream(t *testing.T) {
	c := newCluster(t, 3)
	ctx := context.Background()
	dirs := map[string]string{}
	for i := range 6 {
		name := fmt.Sprintf("s%d", i)
		dirs[name] = t.TempDir()
		if _, err := c.hosts[i%3].m.Create(ctx, folderDef(name, dirs[name])); err != nil {
			t.Fatal(err)
		}
	}
	for name := range dirs {
		c.waitRunner(name, 60*time.Second)
	}
	for name, dir := range dirs {
		for i, h := range c.hosts {
			numberedPut(t, h, name, i*100, i*100+100)
		}
		waitDelivered(t, dir, 300)
	}
	// Over a few rounds of lease work, still one runner each, and every
	// host says which.
	for range 3 {
		time.Sleep(DefaultLeaseRenew)
		for name := range dirs {
			rs := c.runners(name)
			if len(rs) != 1 {
				t.Fatalf("%s runs on %d hosts", name, len(rs))
			}
			for _, h := range c.hosts {
				_, st, err := h.m.Describe(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				if st.Host != rs[0].id {
					t.Fatalf("%s: host %s says it runs on %q, it runs on %s", name, h.id, st.Host, rs[0].id)
				}
			}
		}
	}
	for _, dir := range dirs {
		exactlyOnce(t, dir, 300)
	}
}

// Kill the host running a delivery stream while records flow (its
// connection closed: no drain, no lease released): another host takes it
// over within the failover bound, and the output holds every record once,
// whether the kill came between batches, while batches were in flight, or
// with a batch written but its checkpoint not.
func TestKillOwnerFailsOver(t *testing.T) {
	cases := []struct {
		name string
		// mid: kill while records are being put (batches in flight);
		// pending: kill while a batch is written and its checkpoint
		// held back (the new owner must replay exactly it).
		mid, pending bool
		// full: with dynamic partitions, an error output (every fourth
		// record has no partition key) and a backup of every record.
		full bool
	}{
		{name: "between batches"},
		{name: "batches in flight", mid: true},
		{name: "checkpoint pending", pending: true},
		{name: "error output and backup, batches in flight", mid: true, full: true},
		{name: "error output and backup, checkpoint pending", pending: true, full: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, 0)
			var hold atomic.Bool
			reached, hookGate := make(chan struct{}, 1), make(chan struct{})
			release := sync.OnceFunc(func() { close(hookGate) })
			t.Cleanup(release)
			owner := c.add(func(cfg *Config) {
				cfg.hookCheckpoint = func(string) {
					if hold.Load() {
						select {
						case reached <- struct{}{}:
						default:
						}
						<-hookGate
					}
				}
			})
			c.add(nil)
			c.add(nil)
			out := t.TempDir()
			def := folderDef("fo", out)
			if tc.full {
				def.Destination.Prefix = "data/!{partitionKeyFromQuery:k}/"
				def.Destination.PartitionQueries = map[string]string{"k": ".k"}
				def.Backup = &Backup{Prefix: "backup/"}
			}
			if _, err := owner.m.Create(context.Background(), def); err != nil {
				t.Fatal(err)
			}
			// check waits for records 0..n-1 and checks each is out once.
			check := func(n int, wait bool) {
				t.Helper()
				if !tc.full {
					if wait {
						waitDelivered(t, out, n)
					}
					exactlyOnce(t, out, n)
					return
				}
				if wait {
					waitFor(t, "every record out", func() bool {
						objs := objects(t, out)
						return len(countUnder(t, objs, "backup/", false)) == n &&
							len(countUnder(t, objs, "data/", false))+len(countUnder(t, objs, "errors/", true)) == n
					})
				}
				objs := objects(t, out)
				all := func(int) bool { return true }
				onceEach(t, "backup", countUnder(t, objs, "backup/", false), n, all)
				onceEach(t, "data", countUnder(t, objs, "data/", false), n, func(i int) bool { return i%4 != 0 })
				onceEach(t, "error output", countUnder(t, objs, "errors/", true), n, func(i int) bool { return i%4 == 0 })
			}
			if r := c.waitRunner("fo", 60*time.Second); r != owner {
				t.Fatalf("runs on %s, not on %s where it was created", r.id, owner.id)
			}
			producer := c.hosts[1]
			numberedPut(t, producer, "fo", 0, 500)
			check(500, true)
			total := 500
			var wg sync.WaitGroup
			switch {
			case tc.mid:
				total = 3000
				wg.Add(1)
				go func() {
					defer wg.Done()
					for from := 500; from < total; from += 100 {
						numberedPut(t, producer, "fo", from, from+100)
						time.Sleep(5 * time.Millisecond)
					}
				}()
				time.Sleep(100 * time.Millisecond)
			case tc.pending:
				hold.Store(true)
				total = 800
				numberedPut(t, producer, "fo", 500, total)
				select {
				case <-reached:
				case <-time.After(60 * time.Second):
					t.Fatal("no batch reached its checkpoint")
				}
			}
			killed := time.Now()
			c.kill(owner)
			release()
			next := c.waitRunner("fo", failoverBound())
			took := time.Since(killed)
			wg.Wait()
			if !tc.mid && !tc.pending {
				total = 800
				numberedPut(t, producer, "fo", 500, total)
			}
			check(total, true)
			resumed := time.Since(killed)
			t.Logf("failover: %s took over %v after the kill; all %d records out %v after it", next.id, took.Round(time.Millisecond), total, resumed.Round(time.Millisecond))
			if took > failoverBound() {
				t.Fatalf("failover took %v, over %v", took, failoverBound())
			}
			// The killed host's pipeline, if it wrote again, wrote the same
			// objects: once more, each record once.
			time.Sleep(DefaultLeaseRenew)
			check(total, false)
		})
	}
}

// A host that stalled (its lease work and its checkpoint write held up)
// while another took its delivery stream over cannot move the checkpoint
// when it wakes: its compare-and-set fails and its pipeline stops, not to
// retry. (With a blind write, it went on delivering beside the new owner.)
func TestStaleOwnerIsFenced(t *testing.T) {
	c := newCluster(t, 0)
	var stall atomic.Bool
	reached, wakeGate, tickGate := make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	wake := sync.OnceFunc(func() { close(wakeGate) })
	wakeTicks := sync.OnceFunc(func() { stall.Store(false); close(tickGate) })
	t.Cleanup(wake)
	t.Cleanup(wakeTicks)
	stale := c.add(func(cfg *Config) {
		cfg.hookCheckpoint = func(string) {
			if stall.Load() {
				select {
				case reached <- struct{}{}:
				default:
				}
				<-wakeGate
			}
		}
		cfg.hookTick = func() {
			if stall.Load() {
				<-tickGate
			}
		}
	})
	ctx := context.Background()
	out := t.TempDir()
	if _, err := stale.m.Create(ctx, folderDef("fence", out)); err != nil {
		t.Fatal(err)
	}
	other := c.add(nil)
	numberedPut(t, other, "fence", 0, 200)
	waitDelivered(t, out, 200)
	p := stale.m.pipeline("fence")
	if p == nil {
		t.Fatal("the first host does not run it")
	}

	stall.Store(true)
	numberedPut(t, other, "fence", 200, 400)
	select {
	case <-reached:
	case <-time.After(60 * time.Second):
		t.Fatal("no batch reached its checkpoint")
	}
	// The stalled host renews nothing: the other takes over when its
	// lease expires, replays the batch in flight and delivers the rest.
	stalled := time.Now()
	waitWithin(t, failoverBound(), "the other host to take over", func() bool { return other.m.pipeline("fence") != nil })
	t.Logf("the other host took over %v after the stall began", time.Since(stalled).Round(time.Millisecond))
	waitDelivered(t, out, 400)
	waitFor(t, "the new owner's checkpoint", func() bool {
		return other.m.pipeline("fence") != nil && other.m.pipeline("fence").checkpoint() >= 400
	})
	posBefore, revBefore, err := other.m.store.loadPos(ctx, "fence")
	if err != nil {
		t.Fatal(err)
	}

	wake() // the stale host's checkpoint write goes ahead now
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the stale pipeline did not stop")
	}
	if stale.m.pipeline("fence") != nil {
		t.Fatal("the stale host still has a pipeline")
	}
	posAfter, revAfter, err := other.m.store.loadPos(ctx, "fence")
	if err != nil {
		t.Fatal(err)
	}
	if revAfter != revBefore || posAfter.Checkpoint != posBefore.Checkpoint {
		t.Fatalf("the stale host moved the position: %+v rev %d, was %+v rev %d", posAfter, revAfter, posBefore, revBefore)
	}
	var st Status
	p.status(&st)
	if !strings.Contains(st.LastError, errFenced.Error()) || st.Checkpoint >= 400 {
		t.Fatalf("the stale pipeline: checkpoint %d, last error %q", st.Checkpoint, st.LastError)
	}
	wakeTicks()
	// It does not take the delivery stream back: the other host holds it.
	numberedPut(t, other, "fence", 400, 600)
	waitDelivered(t, out, 600)
	time.Sleep(2 * DefaultLeaseRenew)
	if rs := c.runners("fence"); len(rs) != 1 || rs[0] != other {
		t.Fatalf("runners after the stall: %v", rs)
	}
	exactlyOnce(t, out, 600)
}

// Hosts joining share the work: one host runs all 6 delivery streams, a
// second makes it 3 and 3 (the first hands over, drained), a third 2, 2
// and 2; each still delivers every record once.
func TestJoiningHostsShareTheWork(t *testing.T) {
	c := newCluster(t, 1)
	ctx := context.Background()
	dirs := map[string]string{}
	for i := range 6 {
		name := fmt.Sprintf("j%d", i)
		dirs[name] = t.TempDir()
		if _, err := c.hosts[0].m.Create(ctx, folderDef(name, dirs[name])); err != nil {
			t.Fatal(err)
		}
		numberedPut(t, c.hosts[0], name, 0, 100)
	}
	counts := func() []int {
		n := make([]int, len(c.hosts))
		for name := range dirs {
			for _, h := range c.runners(name) {
				for i := range c.hosts {
					if c.hosts[i] == h {
						n[i]++
					}
				}
			}
		}
		return n
	}
	spread := func(want int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%d delivery streams on each host", want), func() bool {
			for _, n := range counts() {
				if n != want {
					return false
				}
			}
			return true
		})
		t.Logf("hosts: %d, delivery streams per host: %v", len(c.hosts), counts())
	}
	spread(6)
	c.add(nil)
	spread(3)
	for name := range dirs {
		numberedPut(t, c.hosts[1], name, 100, 200)
	}
	c.add(nil)
	spread(2)
	for name, dir := range dirs {
		numberedPut(t, c.hosts[2], name, 200, 300)
		waitDelivered(t, dir, 300)
	}
	for _, dir := range dirs {
		exactlyOnce(t, dir, 300)
	}
}

// A graceful Close releases its leases once its pipelines have stopped:
// another host takes over at once, not when the lease would have expired
// (the TTL here is a minute, so an expiry could not explain it).
func TestGracefulCloseHandsOverAtOnce(t *testing.T) {
	c := newCluster(t, 0)
	long := func(cfg *Config) { cfg.LeaseTTL, cfg.LeaseRenew = time.Minute, time.Second }
	first := c.add(long)
	second := c.add(long)
	out := t.TempDir()
	if _, err := first.m.Create(context.Background(), folderDef("bye", out)); err != nil {
		t.Fatal(err)
	}
	numberedPut(t, second, "bye", 0, 300)
	waitDelivered(t, out, 300)
	closed := time.Now()
	if err := first.m.Close(); err != nil {
		t.Fatal(err)
	}
	next := c.waitRunner("bye", 30*time.Second)
	t.Logf("handover after Close: %v", time.Since(closed).Round(time.Millisecond))
	if next != second {
		t.Fatalf("runs on %s", next.id)
	}
	numberedPut(t, second, "bye", 300, 600)
	waitDelivered(t, out, 600)
	exactlyOnce(t, out, 600)
}

// Describe on a host that does not run a delivery stream reports what the
// host running it reports (state, checkpoint, counters, last error) and
// which host that is; a delivery stream no host runs says UNASSIGNED. Only
// the host running it exports its state gauge.
func TestStatusFromTheHostRunningIt(t *testing.T) {
	c := newCluster(t, 0)
	ctx := context.Background()
	owner := c.add(nil)
	var stall atomic.Bool
	tickGate := make(chan struct{})
	wakeTicks := sync.OnceFunc(func() { stall.Store(false); close(tickGate) })
	t.Cleanup(wakeTicks)
	watcher := c.add(func(cfg *Config) {
		cfg.hookTick = func() {
			if stall.Load() {
				<-tickGate
			}
		}
	})
	out := t.TempDir()
	if _, err := owner.m.Create(ctx, folderDef("st", out)); err != nil {
		t.Fatal(err)
	}
	numberedPut(t, watcher, "st", 0, 300)
	waitDelivered(t, out, 300)
	_, local, err := owner.m.Describe(ctx, "st")
	if err != nil {
		t.Fatal(err)
	}
	var remote Status
	waitFor(t, "the report to reach the other host", func() bool {
		_, remote, err = watcher.m.Describe(ctx, "st")
		return err == nil && remote.DeliveredRecords == 300
	})
	if remote.Host != owner.id || remote.State != StatusActive || remote.Checkpoint != local.Checkpoint || remote.ReportedAt.IsZero() {
		t.Fatalf("remote status %+v; the owner's %+v", remote, local)
	}
	if local.Host != owner.id || !local.ReportedAt.IsZero() {
		t.Fatalf("local status %+v", local)
	}
	state := map[string]string{"delivery_stream": "st", "state": StatusActive}
	if v := (&env{t: t, prom: owner.prom}).metric("sluice_delivery_state", state); v != 1 {
		t.Fatalf("owner's state gauge %v", v)
	}
	if v := (&env{t: t, prom: watcher.prom}).metric("sluice_delivery_state", state); v != -1 {
		t.Fatalf("the other host exports a state gauge (%v) for what it does not run", v)
	}

	// The owner dies and the other host is stalled: no host runs it.
	stall.Store(true)
	c.kill(owner)
	waitWithin(t, failoverBound(), "no host to run it", func() bool {
		_, st, err := watcher.m.Describe(ctx, "st")
		return err == nil && st.State == StatusUnassigned && st.Host == ""
	})
	wakeTicks()
	waitFor(t, "the other host to run it", func() bool {
		_, st, err := watcher.m.Describe(ctx, "st")
		return err == nil && st.State == StatusActive && st.Host == watcher.id
	})
	if v := (&env{t: t, prom: watcher.prom}).metric("sluice_delivery_state", state); v != 1 {
		t.Fatalf("new owner's state gauge %v", v)
	}
}

// An update made on a host that does not run the delivery stream restarts
// it under the new version where it runs; a delete made there stops it
// where it runs and removes it.
func TestChangesMadeOnAnotherHost(t *testing.T) {
	c := newCluster(t, 2)
	ctx := context.Background()
	owner, other := c.hosts[0], c.hosts[1]
	out := t.TempDir()
	def := folderDef("chg", out)
	def.Destination.Prefix = "v1/"
	if _, err := owner.m.Create(ctx, def); err != nil {
		t.Fatal(err)
	}
	numberedPut(t, other, "chg", 0, 100)
	waitDelivered(t, out, 100)
	def.Destination.Prefix = "v2/"
	if _, changed, err := other.m.Apply(ctx, def); err != nil || !changed {
		t.Fatalf("apply on the other host: %v %v", changed, err)
	}
	waitFor(t, "the owner to run version 2", func() bool {
		p := owner.m.pipeline("chg")
		return p != nil && p.def.Version == 2
	})
	if rs := c.runners("chg"); len(rs) != 1 || rs[0] != owner {
		t.Fatalf("runners %v", rs)
	}
	numberedPut(t, other, "chg", 100, 200)
	waitDelivered(t, out, 200)
	exactlyOnce(t, out, 200)
	if n := len(sortedKeys(objects(t, out), "v2/")); n == 0 {
		t.Fatal("nothing delivered under the new prefix")
	}

	if err := other.m.Delete(ctx, "chg"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the owner to stop it", func() bool { return len(c.runners("chg")) == 0 })
	for _, h := range c.hosts {
		if _, _, err := h.m.Describe(ctx, "chg"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("describe on %s after delete: %v", h.id, err)
		}
	}
	if h, _, err := owner.m.leases.get(ctx, "chg"); err != nil || h != nil {
		t.Fatalf("lease after delete: %+v %v", h, err)
	}
	// The name is free again, on either host.
	if _, err := owner.m.Create(ctx, folderDef("chg", t.TempDir())); err != nil {
		t.Fatal(err)
	}
}

// storeInterrupted stores def in state status, as a host that stopped in
// the middle of a create or delete leaves it, with the lease that host
// held (by host "gone") unless lease is false.
func storeInterrupted(t *testing.T, c *cluster, def Definition, status string, lease bool) {
	t.Helper()
	ctx := context.Background()
	kv, err := c.srv.JS.KeyValue(ctx, DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	s := &store{kv: kv}
	if err := normalize(&def); err != nil {
		t.Fatal(err)
	}
	def.Version, def.CreatedAt, def.UpdatedAt = 1, time.Now().UTC(), time.Now().UTC()
	if lease {
		lkv, err := c.srv.JS.KeyValue(ctx, DefaultLeaseBucket)
		if err != nil {
			t.Fatal(err)
		}
		gone := &leases{kv: lkv, host: "gone", incar: "x", ttl: DefaultLeaseTTL}
		if _, err := gone.acquire(ctx, def.Name, nil); err != nil {
			t.Fatal(err)
		}
	}
	cur, rev, err := s.getDef(ctx, def.Name)
	switch {
	case err == nil:
		cur.Status = status
		err = s.updateDef(ctx, cur, rev)
	default:
		err = s.createDef(ctx, &stored{Def: def, Status: status})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// A create or delete cut short is finished: by a host alone before its
// Open returns (as before there were leases), and by another host once
// the lease of the host that stopped expired.
func TestInterruptedCreateAndDeleteAreFinished(t *testing.T) {
	ctx := context.Background()
	t.Run("alone, at open", func(t *testing.T) {
		c := newCluster(t, 1)
		outC, outD := t.TempDir(), t.TempDir()
		if _, err := c.hosts[0].m.Create(ctx, folderDef("del", outD)); err != nil {
			t.Fatal(err)
		}
		if err := c.hosts[0].m.Close(); err != nil {
			t.Fatal(err)
		}
		storeInterrupted(t, c, folderDef("cre", outC), StatusCreating, false)
		storeInterrupted(t, c, folderDef("del", outD), StatusDeleting, false)
		h := c.add(nil)
		if _, st, err := h.m.Describe(ctx, "cre"); err != nil || st.State != StatusActive || st.Host != h.id {
			t.Fatalf("interrupted create after open: %+v %v", st, err)
		}
		if _, _, err := h.m.Describe(ctx, "del"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("interrupted delete after open: %v", err)
		}
		numberedPut(t, h, "cre", 0, 100)
		waitDelivered(t, outC, 100)
	})
	t.Run("by another host", func(t *testing.T) {
		c := newCluster(t, 2)
		out := t.TempDir()
		stopped := time.Now()
		storeInterrupted(t, c, folderDef("cre2", out), StatusCreating, true)
		r := c.waitRunner("cre2", 60*time.Second)
		t.Logf("interrupted create finished by %s %v after its host stopped", r.id, time.Since(stopped).Round(time.Millisecond))
		numberedPut(t, c.hosts[0], "cre2", 0, 100)
		waitDelivered(t, out, 100)
		exactlyOnce(t, out, 100)
	})
}

// A host restarted after a crash under the same HostID takes its leases
// back at Open, instead of waiting for them to expire.
func TestRestartedHostTakesItsLeasesBack(t *testing.T) {
	c := newCluster(t, 1)
	out := t.TempDir()
	if _, err := c.hosts[0].m.Create(context.Background(), folderDef("back", out)); err != nil {
		t.Fatal(err)
	}
	numberedPut(t, c.hosts[0], "back", 0, 100)
	waitDelivered(t, out, 100)
	c.kill(c.hosts[0])
	again := c.add(func(cfg *Config) { cfg.HostID = "h0" })
	if again.m.pipeline("back") == nil {
		t.Fatal("the restarted host does not run its delivery stream at once")
	}
	numberedPut(t, again, "back", 100, 200)
	waitDelivered(t, out, 200)
	exactlyOnce(t, out, 200)
}
