package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ownedLease is a lease this host holds.
type ownedLease struct {
	rev     uint64
	renewed time.Time
	// leaving: the pipeline is being drained or stopped; the lease is
	// renewed until then, and released after.
	leaving bool
}

// startWork is the Manager's part in sharing delivery work: it says this
// host is there, follows the definitions and the lease bucket, takes its
// share of the leases at once (all of them when it is alone) and keeps
// doing so every Config.LeaseRenew.
func (m *Manager) startWork(ctx, bg context.Context) error {
	if err := m.leases.present(ctx); err != nil {
		// A full store refuses it (and leases) until there is room: the
		// rounds go on trying, and the host comes up meanwhile.
		m.log.Warn("saying this host is there", "error", err)
	}
	defsReady, leasesReady := make(chan struct{}), make(chan struct{})
	m.wg.Add(2)
	go m.watch(bg, m.store.kv, defPrefix+">", m.seeDef, defsReady)
	go m.watch(bg, m.leases.kv, ">", m.seeLease, leasesReady)
	for _, c := range []chan struct{}{defsReady, leasesReady} {
		select {
		case <-c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.tick(bg, true)
	m.wg.Add(1)
	go m.work(bg)
	return nil
}

// watch follows keys of kv into the Manager's view (made again when the
// watch ends: the connection came back); ready is closed once it has
// seen every value there was.
func (m *Manager) watch(ctx context.Context, kv jetstream.KeyValue, keys string, see func(e jetstream.KeyValueEntry, initial bool), ready chan struct{}) {
	defer m.wg.Done()
	var once sync.Once
	for ctx.Err() == nil {
		w, err := kv.Watch(ctx, keys)
		if err == nil {
			initial := true
			for e := range w.Updates() {
				if e == nil {
					once.Do(func() { close(ready) })
					initial = false
					continue
				}
				see(e, initial)
			}
			_ = w.Stop()
		}
		select {
		case <-ctx.Done():
		case <-time.After(m.cfg.LeaseRenew):
		}
	}
}

func (m *Manager) seeDef(e jetstream.KeyValueEntry, _ bool) {
	name := nameOfKey(strings.TrimPrefix(e.Key(), defPrefix))
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(m.defs, name)
		m.seen.forget(name)
		m.wake()
		return
	}
	var st stored
	if err := json.Unmarshal(e.Value(), &st); err == nil {
		m.defs[name] = &st
	}
	m.wake()
}

// seeLease takes a lease bucket entry into the view. One seen in the
// watch's first snapshot counts from when the server stored it if it is a
// lease (a host restarted after a crash waits only for what is left of
// its earlier leases), and as released long ago if it is a release: a
// host starting alone must not wait for it.
func (m *Manager) seeLease(e jetstream.KeyValueEntry, initial bool) {
	at := time.Now()
	switch {
	case initial && e.Operation() != jetstream.KeyValuePut:
		at = time.Time{}
	case initial && e.Created().Before(at):
		at = e.Created()
	}
	m.mu.Lock()
	m.seen.apply(e, at)
	m.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		m.wake() // released: another host may take it now
	}
}

// wake makes the work loop go round now.
func (m *Manager) wake() {
	select {
	case m.poke <- struct{}{}:
	default:
	}
}

// work renews leases and looks for work every LeaseRenew, and looks for
// work when a definition changes or a lease is released.
func (m *Manager) work(ctx context.Context) {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.LeaseRenew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.tick(ctx, false)
		case <-m.poke:
			m.follow(ctx, false)
			m.balance(ctx)
		}
	}
}

// opTimeout bounds each lease operation of a round, so a slow JetStream
// delays the next renewal by at most that.
func (m *Manager) opTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, m.cfg.LeaseRenew)
}

// tick is one round: presence first (so a host that stops looks gone no
// later than its leases), then renewals, then what the definitions ask
// for, then the share.
func (m *Manager) tick(ctx context.Context, first bool) {
	if h := m.cfg.hookTick; h != nil {
		h()
	}
	if ctx.Err() != nil {
		return
	}
	octx, cancel := m.opTimeout(ctx)
	if err := m.leases.present(octx); err != nil {
		m.log.Debug("renewing presence", "error", err)
	}
	cancel()
	m.renewAll(ctx)
	m.follow(ctx, first)
	m.balance(ctx)
}

// renewAll renews every lease held, with the pipeline's report. A lease
// found lost is taken again if it is free (the position fence says
// whether the pipeline may go on); one that could not be renewed for a
// TTL less one round is let go, before the server drops it and another
// host can take it.
func (m *Manager) renewAll(ctx context.Context) {
	m.mu.Lock()
	names := make([]string, 0, len(m.owned))
	for name := range m.owned {
		names = append(names, name)
	}
	m.mu.Unlock()
	for _, name := range names {
		m.mu.Lock()
		o, p := m.owned[name], m.pipelines[name]
		m.mu.Unlock()
		if o == nil {
			continue
		}
		var st *Status
		if p != nil {
			st = &Status{State: StatusActive}
			p.status(st)
		}
		octx, cancel := m.opTimeout(ctx)
		rev, err := m.leases.renew(octx, name, o.rev, st)
		if errors.Is(err, errLost) {
			rev, err = m.leases.acquire(octx, name, st)
		}
		cancel()
		m.mu.Lock()
		if cur := m.owned[name]; cur == o {
			switch {
			case err == nil:
				o.rev, o.renewed = rev, time.Now()
			case errors.Is(err, errHeld) || time.Since(o.renewed) >= m.cfg.LeaseTTL-m.cfg.LeaseRenew:
				m.mu.Unlock()
				m.log.Warn("lost the lease of a delivery stream; stopping it here", "delivery", name, "error", err)
				m.lose(name, o)
				continue
			}
		}
		m.mu.Unlock()
	}
}

// follow acts on what the definitions say: a delivery stream this host
// runs that was deleted (or is being deleted elsewhere) is stopped, one
// updated elsewhere restarts under its new version, and a create or
// delete whose host went away is finished here (before Open returns, on
// the first round).
func (m *Manager) follow(ctx context.Context, first bool) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	type todo struct {
		name  string
		st    *stored
		owned bool
	}
	var work []todo
	now := time.Now()
	for name, o := range m.owned {
		if o.leaving || m.creating[name] || m.deleting[name] || m.busy[name] {
			continue
		}
		work = append(work, todo{name: name, st: m.defs[name], owned: true})
	}
	for name, st := range m.defs {
		if st.Status == StatusActive || m.owned[name] != nil || m.creating[name] || m.deleting[name] || m.busy[name] {
			continue
		}
		// Its host holds the lease while it creates or deletes: expired,
		// that host is gone. Released a moment ago, the host that ran it
		// let it go for a delete made elsewhere, which that host
		// finishes: it gets a TTL to take the lease first.
		if m.takeable(name, now, m.cfg.LeaseTTL) {
			work = append(work, todo{name: name, st: st})
		}
	}
	m.mu.Unlock()
	for i, w := range work {
		if w.owned && (w.st == nil || w.st.Status != StatusActive) {
			// The watch may lag a create made here: ask the bucket.
			octx, cancel := m.opTimeout(ctx)
			st, _, err := m.store.getDef(octx, w.name)
			cancel()
			switch {
			case errors.Is(err, ErrNotFound):
				w.st = nil
			case err != nil:
				continue
			default:
				w.st = st
			}
			work[i] = w
		}
		switch {
		case w.owned && (w.st == nil || w.st.Status == StatusDeleting):
			m.letGo(w.name, false)
		case w.owned && w.st.Status == StatusActive && !m.isBusy(w.name):
			m.startNewer(&w.st.Def)
		case !w.owned:
			if m.take(ctx, w.name) {
				m.finishInterrupted(w.name, first)
			}
		}
	}
}

// finishInterrupted finishes, on its own goroutine, a create or delete
// whose host stopped before it was done; this host holds the lease. At
// Open (wait) it is finished before Open returns, as a host alone always
// did.
func (m *Manager) finishInterrupted(name string, wait bool) {
	m.mu.Lock()
	m.busy[name] = true
	m.mu.Unlock()
	m.wg.Add(1)
	done := make(chan struct{})
	defer func() {
		if wait {
			<-done
		}
	}()
	go func() {
		defer close(done)
		defer m.wg.Done()
		m.ops.Lock()
		defer m.ops.Unlock()
		defer m.setFlag(m.busy, name, false)
		ctx, cancel := context.WithTimeout(context.Background(), 4*m.cfg.DrainTimeout)
		defer cancel()
		st, _, err := m.store.getDef(ctx, name)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			m.log.Warn("reading an interrupted delivery stream", "delivery", name, "error", err)
		case st.Status == StatusDeleting:
			m.log.Info("finishing interrupted delete", "delivery", name)
			if err := m.finishDelete(ctx, &st.Def); err != nil {
				m.log.Warn("finishing interrupted delete", "delivery", name, "error", err)
			} else {
				m.met.forget(name)
			}
		case st.Status == StatusCreating:
			m.log.Info("finishing interrupted create", "delivery", name)
			if err := m.finishCreate(ctx, st); err != nil {
				m.log.Warn("finishing interrupted create", "delivery", name, "error", err)
				break
			}
			m.start(&st.Def)
			return // keeps the lease
		case st.Status == StatusActive:
			m.start(&st.Def)
			return
		}
		m.giveBack(name)
	}()
}

// balance keeps this host's share, about ceil(streams/hosts): it gives
// up what it holds over that (drained first, so another host picks them
// up where they stopped) and takes free ones while under it. A delivery
// stream it gave up is not taken back for two TTLs, so another host gets
// the first chance.
func (m *Manager) balance(ctx context.Context) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	now := time.Now()
	var active []string
	for name, st := range m.defs {
		if st.Status == StatusActive {
			active = append(active, name)
		}
	}
	slices.Sort(active)
	hosts := m.seen.liveHosts(now, m.cfg.LeaseTTL)
	target := (len(active) + hosts - 1) / hosts
	var mine []string
	for _, name := range active {
		if o := m.owned[name]; o != nil && !o.leaving {
			mine = append(mine, name)
		}
	}
	var extra, want []string
	if len(mine) > target && hosts > 1 {
		extra = mine[target:]
	}
	for _, name := range active {
		if len(mine)+len(want) >= target {
			break
		}
		if m.owned[name] != nil || m.creating[name] || m.deleting[name] || m.busy[name] || !m.takeable(name, now, 0) {
			continue
		}
		if at, ok := m.released[name]; ok && now.Sub(at) < 2*m.cfg.LeaseTTL {
			continue
		}
		want = append(want, name)
	}
	for name, at := range m.released {
		if now.Sub(at) >= 2*m.cfg.LeaseTTL {
			delete(m.released, name)
		}
	}
	m.mu.Unlock()
	for _, name := range extra {
		m.log.Info("handing a delivery stream over to spread the work", "delivery", name, "hosts", hosts, "share", target)
		m.letGo(name, true)
	}
	for _, name := range want {
		if !m.take(ctx, name) {
			continue
		}
		m.mu.Lock()
		st := m.defs[name]
		m.mu.Unlock()
		if st == nil || st.Status != StatusActive {
			m.giveBack(name)
			continue
		}
		m.log.Info("running delivery stream", "delivery", name, "host", m.cfg.HostID)
		m.start(&st.Def)
	}
}

// takeable reports whether name's lease seems free (see view.freeFor),
// or held under this host's ID by an earlier process of it (m.mu held).
func (m *Manager) takeable(name string, now time.Time, d time.Duration) bool {
	if l, ok := m.seen.leases[name]; ok && !l.released && l.host == m.cfg.HostID {
		return true
	}
	return m.seen.freeFor(name, now, m.cfg.LeaseTTL, d)
}

// take acquires name's lease and records it as held.
func (m *Manager) take(ctx context.Context, name string) bool {
	octx, cancel := m.opTimeout(ctx)
	rev, err := m.leases.acquire(octx, name, nil)
	cancel()
	if err != nil {
		if !errors.Is(err, errHeld) {
			m.log.Debug("taking a lease", "delivery", name, "error", err)
		}
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		go m.leases.release(context.Background(), name, rev) //nolint:errcheck // best effort: it expires anyway
		return false
	}
	m.owned[name] = &ownedLease{rev: rev, renewed: time.Now()}
	return true
}

// giveBack releases a lease this host holds (its pipeline is stopped).
func (m *Manager) giveBack(name string) {
	m.mu.Lock()
	o := m.owned[name]
	m.mu.Unlock()
	m.giveBackIf(name, o)
}

// giveBackIf is giveBack if the lease held is still o.
func (m *Manager) giveBackIf(name string, o *ownedLease) {
	m.mu.Lock()
	if o == nil || m.owned[name] != o {
		m.mu.Unlock()
		return
	}
	delete(m.owned, name)
	m.mu.Unlock()
	m.met.forgetRunning(name)
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.LeaseRenew)
	defer cancel()
	if err := m.leases.release(ctx, name, o.rev); err != nil {
		m.log.Debug("releasing a lease", "delivery", name, "error", err) // it expires
	}
}

// letGo stops the pipeline of a delivery stream this host holds (drained
// when drain is set: the batch in flight is finished), then releases the
// lease, on its own goroutine; the lease is renewed until then.
func (m *Manager) letGo(name string, drain bool) {
	m.mu.Lock()
	o := m.owned[name]
	if o == nil || o.leaving {
		m.mu.Unlock()
		return
	}
	o.leaving = true
	if drain {
		m.released[name] = time.Now()
	}
	p := m.pipelines[name]
	delete(m.pipelines, name)
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if p != nil {
			if drain {
				p.drain(m.cfg.DrainTimeout)
			} else {
				p.cancel()
				p.wait()
			}
		}
		m.giveBackIf(name, o)
	}()
}

// lose drops a lease found lost: the pipeline is canceled (the fence
// would stop it at its next write anyway).
func (m *Manager) lose(name string, o *ownedLease) {
	m.mu.Lock()
	if m.owned[name] != o {
		m.mu.Unlock()
		return
	}
	delete(m.owned, name)
	p := m.pipelines[name]
	delete(m.pipelines, name)
	m.mu.Unlock()
	m.met.forgetRunning(name)
	if p != nil {
		p.cancel()
	}
}

// fenced is called by a pipeline that found the position written by
// another host: it leaves this host, and so does its lease if held.
func (m *Manager) fenced(p *pipeline) {
	name := p.def.Name
	m.mu.Lock()
	if m.pipelines[name] != p {
		m.mu.Unlock()
		return
	}
	delete(m.pipelines, name)
	m.mu.Unlock()
	m.giveBack(name)
}

func (m *Manager) isBusy(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.creating[name] || m.deleting[name] || m.busy[name]
}

// owns reports whether this host holds name's lease.
func (m *Manager) owns(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.owned[name]
	return o != nil && !o.leaving
}

// releaseAll gives up every lease still held and says this host is gone
// (Close, once its pipelines have stopped).
func (m *Manager) releaseAll() {
	m.mu.Lock()
	names := make([]string, 0, len(m.owned))
	for name := range m.owned {
		names = append(names, name)
	}
	m.mu.Unlock()
	for _, name := range names {
		m.giveBack(name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.LeaseRenew)
	defer cancel()
	_ = m.leases.leave(ctx)
}
