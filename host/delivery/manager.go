package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/jsretry"
	"github.com/sluice-io/sluice/host/streams"
)

// freshnessEvery is how often the age of each pipeline's data is
// measured. (A direct put's records in flight are bounded by
// streams.Publisher.)
const freshnessEvery = time.Second

// Manager runs delivery streams: it keeps their definitions in a
// JetStream key-value bucket, and runs one pipeline (a goroutine set) per
// delivery stream whose lease it holds (assign.go): every Manager on the
// same JetStream (every host) answers for every delivery stream, and each
// delivery stream runs on exactly one of them. It is safe for concurrent
// use.
type Manager struct {
	cfg   Config
	deps  Deps
	log   *slog.Logger
	nc    *nats.Conn
	js    jetstream.JetStream
	pub   *streams.Publisher // direct puts' records, see put.go
	store *store
	met   *metrics
	// client makes every outbound connection of the destinations, through
	// cfg.Egress.
	client *http.Client

	// ops serialises Create, Apply and Delete (one at a time per host).
	ops sync.Mutex

	leases *leases
	poke   chan struct{}

	mu        sync.Mutex
	closed    bool
	pipelines map[string]*pipeline
	creating  map[string]bool
	deleting  map[string]bool
	// busy: a create or delete interrupted on another host is being
	// finished here.
	busy map[string]bool
	// owned are the leases this host holds; defs the definitions as the
	// bucket's watch saw them; seen the lease bucket as its watch saw it;
	// released the delivery streams this host handed over lately.
	owned    map[string]*ownedLease
	defs     map[string]*stored
	seen     *view
	released map[string]time.Time

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// Open opens the definitions and lease buckets on nc's JetStream
// (creating them when missing) and takes this host's share of the
// delivery streams at once: all of them when no other host is there. Each
// starts where it left off; a create or delete a crash interrupted is
// finished by the host that takes its lease.
func Open(ctx context.Context, nc *nats.Conn, deps Deps, cfg Config) (*Manager, error) {
	if nc == nil {
		return nil, errors.New("delivery: nil nats connection")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if err := deps.check(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	kv, err := jsretry.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      cfg.Bucket,
		Description: "Sluice delivery stream definitions and positions",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("delivery: bucket %s: %w", cfg.Bucket, err)
	}
	met, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, fmt.Errorf("delivery: metrics: %w", err)
	}
	pub, err := streams.NewPublisher(nc)
	if err != nil {
		met.unregister()
		return nil, fmt.Errorf("delivery: publisher: %w", err)
	}
	ls, err := openLeases(ctx, js, &cfg)
	if err != nil {
		met.unregister()
		return nil, err
	}
	m := &Manager{
		cfg: cfg, deps: deps, log: deps.Logger, nc: nc, js: js, pub: pub, store: &store{kv: kv}, met: met, client: cfg.Egress.HTTPClient(),
		leases: ls, poke: make(chan struct{}, 1),
		pipelines: map[string]*pipeline{}, creating: map[string]bool{}, deleting: map[string]bool{}, busy: map[string]bool{},
		owned: map[string]*ownedLease{}, defs: map[string]*stored{}, seen: newView(), released: map[string]time.Time{},
	}
	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	if err := m.startWork(ctx, bg); err != nil {
		m.Close()
		return nil, fmt.Errorf("delivery: %w", err)
	}
	m.wg.Add(1)
	go m.watchFreshness(bg)
	return m, nil
}

// Create validates def, stores it and starts delivering. It fails with
// ErrExists when the name is taken and with ErrInvalid (the message says
// which rule) when the definition breaks one.
func (m *Manager) Create(ctx context.Context, def Definition) (*Definition, error) {
	return m.CreateTagged(ctx, def, nil)
}

// CreateTagged is Create with the delivery stream's tags (checked as
// TagDeliveryStream checks them, at most MaxTags): they are stored with
// the definition, so a refused tag creates nothing.
func (m *Manager) CreateTagged(ctx context.Context, def Definition, tags []Tag) (*Definition, error) {
	m.ops.Lock()
	defer m.ops.Unlock()
	if err := m.usable(); err != nil {
		return nil, err
	}
	tagMap, err := newTags(tags)
	if err != nil {
		return nil, err
	}
	def, err = cloneDef(def)
	if err != nil {
		return nil, invalidf("%v", err)
	}
	if err := normalize(&def); err != nil {
		return nil, err
	}
	warnings, err := m.check(ctx, &def)
	if err != nil {
		return nil, err
	}
	if serr := m.storageErr(); serr != nil {
		return nil, streams.StorageFailed(serr) // at once, not after JetStream's timeout
	}
	now := m.cfg.Now().UTC()
	def.CreatedAt, def.UpdatedAt, def.Version = now, now, 1
	st := &stored{Def: def, Status: StatusCreating, Tags: tagMap}
	m.setFlag(m.creating, def.Name, true)
	defer m.setFlag(m.creating, def.Name, false)
	// The lease first: no other host finishes this create meanwhile, and
	// the new delivery stream runs here.
	if err := m.claim(ctx, def.Name); err != nil {
		return nil, err
	}
	if err := m.store.createDef(ctx, st); err != nil {
		m.giveBack(def.Name)
		return nil, err
	}
	if err := m.store.putVersion(ctx, &st.Def); err != nil {
		return nil, m.undoCreate(ctx, &st.Def, err)
	}
	if err := m.finishCreate(ctx, st); err != nil {
		return nil, m.undoCreate(ctx, &st.Def, err)
	}
	m.start(&st.Def)
	m.log.Info("delivery stream created", "delivery", def.Name, "source", def.Source.Kind, "destination", def.Destination.Kind)
	out := clone(st.Def)
	redact(&out)
	out.Warnings = warnings
	return &out, nil
}

// undoCreate removes what a failed Create stored and returns err.
func (m *Manager) undoCreate(ctx context.Context, def *Definition, err error) error {
	if derr := m.finishDelete(context.WithoutCancel(ctx), def); derr != nil {
		m.log.Warn("cleaning up a failed create", "delivery", def.Name, "error", derr)
	}
	m.giveBack(def.Name)
	return err
}

// finishCreate makes the source ready (the direct-put stream, or the
// starting position in the data stream) and marks the definition ACTIVE.
func (m *Manager) finishCreate(ctx context.Context, st *stored) error {
	def := &st.Def
	switch def.Source.Kind {
	case SourceDirectPut:
		if _, err := jsretry.Stream(ctx, m.js, m.directConfig(def.Name)); err != nil {
			return fmt.Errorf("create %s: direct-put stream: %w", def.Name, err)
		}
	case SourceDataStream:
		pos, rev, err := m.store.loadPos(ctx, def.Name)
		if err != nil {
			return err
		}
		if pos.Checkpoint == 0 && pos.Intent == nil && pos.SourceID == 0 {
			if m.deps.Streams == nil {
				return fmt.Errorf("create %s: this server has no data streams", def.Name)
			}
			s, err := m.deps.Streams.DescribeStream(ctx, def.Source.Stream)
			if err != nil {
				return fmt.Errorf("create %s: source stream %s: %w", def.Name, def.Source.Stream, err)
			}
			// The checkpoint is a position in this stream (its identity),
			// at its end for LATEST; a grouped stream has one in each part.
			for g := range s.Parts() {
				ppos, prev := position{SourceID: s.ID}, rev
				if g > 0 {
					if _, prev, err = m.store.loadPartPos(ctx, def.Name, g); err != nil {
						return err
					}
				}
				if def.Source.StartingPosition == streams.Latest {
					name, _ := streams.PartSource(def.Source.Stream, g)
					info, err := m.js.Stream(ctx, name)
					if err != nil {
						return fmt.Errorf("create %s: source stream %s: %w", def.Name, def.Source.Stream, err)
					}
					ppos.Checkpoint = info.CachedInfo().State.LastSeq
				}
				if _, err := m.store.casPartPos(ctx, def.Name, g, ppos, prev); err != nil {
					return err
				}
			}
		}
	}
	_, rev, err := m.store.getDef(ctx, def.Name)
	if err != nil {
		return err
	}
	st.Status = StatusActive
	return m.store.updateDef(ctx, st, rev)
}

// Apply creates def, or updates the stored definition to def when they
// differ (the version then grows by one and the pipeline restarts where it
// left off). changed reports whether anything was written. The source of
// an existing delivery stream cannot change.
func (m *Manager) Apply(ctx context.Context, def Definition) (*Definition, bool, error) {
	return m.apply(ctx, def, 0)
}

// Update replaces an existing delivery stream's definition with def, as
// Apply does, only if its current version is version (Firehose's
// UpdateDestination with CurrentDeliveryStreamVersionId): else it fails
// with ErrConcurrentModification and changes nothing. The new version is
// version+1 even when def is the same (as Firehose counts updates); a
// batch in flight is replayed under the version that made it.
func (m *Manager) Update(ctx context.Context, def Definition, version int) (*Definition, error) {
	if version < 1 {
		return nil, fmt.Errorf("%w: version %d", ErrConcurrentModification, version)
	}
	out, _, err := m.apply(ctx, def, version)
	return out, err
}

// apply is Apply, or Update when version > 0.
func (m *Manager) apply(ctx context.Context, def Definition, version int) (*Definition, bool, error) {
	def, err := cloneDef(def)
	if err != nil {
		return nil, false, invalidf("%v", err)
	}
	if err := normalize(&def); err != nil {
		return nil, false, err
	}
	m.ops.Lock()
	cur, rev, err := m.store.getDef(ctx, def.Name)
	if errors.Is(err, ErrNotFound) && version == 0 {
		m.ops.Unlock()
		out, err := m.Create(ctx, def)
		return out, err == nil, err
	}
	defer m.ops.Unlock()
	if err != nil {
		return nil, false, err
	}
	if err := m.usable(); err != nil {
		return nil, false, err
	}
	if cur.Status != StatusActive {
		return nil, false, fmt.Errorf("%w: %s is %s", ErrExists, def.Name, cur.Status)
	}
	if version > 0 && cur.Def.Version != version {
		return nil, false, fmt.Errorf("%w: %s is at version %d, not %d; describe it again and retry with its current version", ErrConcurrentModification, def.Name, cur.Def.Version, version)
	}
	if err := keepMasked(&def, &cur.Def); err != nil {
		return nil, false, err
	}
	def.CreatedAt, def.UpdatedAt, def.Version = cur.Def.CreatedAt, cur.Def.UpdatedAt, cur.Def.Version
	if version == 0 && reflect.DeepEqual(def, cur.Def) {
		out := clone(cur.Def)
		redact(&out)
		return &out, false, nil
	}
	if !reflect.DeepEqual(def.Source, cur.Def.Source) {
		return nil, false, invalidf("the source of delivery stream %s cannot change (delete and create it again)", def.Name)
	}
	warnings, err := m.check(ctx, &def)
	if err != nil {
		return nil, false, err
	}
	if serr := m.storageErr(); serr != nil {
		return nil, false, streams.StorageFailed(serr)
	}
	def.UpdatedAt, def.Version = m.cfg.Now().UTC(), cur.Def.Version+1
	// The new version is kept first: a batch the running pipeline has not
	// finished is replayed under its own version, the new one only names
	// batches started under it.
	if err := m.store.putVersion(ctx, &def); err != nil {
		return nil, false, err
	}
	if err := m.store.updateDef(ctx, &stored{Def: def, Status: StatusActive, Tags: cur.Tags}, rev); err != nil {
		if version > 0 && isCASConflict(err) {
			return nil, false, fmt.Errorf("%w: %s was changed meanwhile", ErrConcurrentModification, def.Name)
		}
		return nil, false, err
	}
	m.start(&def)
	m.log.Info("delivery stream updated", "delivery", def.Name, "version", def.Version)
	out := clone(def)
	redact(&out)
	out.Warnings = warnings
	return &out, true, nil
}

// Delete stops a delivery stream and removes it with its direct-put
// records and position. Records not yet delivered are lost, as in Firehose.
func (m *Manager) Delete(ctx context.Context, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	m.ops.Lock()
	defer m.ops.Unlock()
	if err := m.usable(); err != nil {
		return err
	}
	st, rev, err := m.store.getDef(ctx, name)
	if err != nil {
		return err
	}
	if m.storageErr() != nil {
		return m.deleteWhenFull(ctx, st)
	}
	st.Status = StatusDeleting
	if err := m.store.updateDef(ctx, st, rev); err != nil {
		if m.fullStore(err) {
			return m.deleteWhenFull(ctx, st)
		}
		return err
	}
	m.setFlag(m.deleting, name, true)
	defer m.setFlag(m.deleting, name, false)
	if m.owns(name) {
		m.stopPipeline(name)
	} else {
		m.claimForDelete(ctx, name)
	}
	if err := m.finishDelete(ctx, &st.Def); err != nil {
		return err
	}
	m.giveBack(name)
	m.met.forget(name)
	m.log.Info("delivery stream deleted", "delivery", name)
	return nil
}

func (m *Manager) finishDelete(ctx context.Context, def *Definition) error {
	if def.Source.Kind == SourceDirectPut {
		if err := m.js.DeleteStream(ctx, directStream(def.Name)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("delete %s: %w", def.Name, err)
		}
	}
	return m.store.deleteAll(ctx, def.Name)
}

// Describe returns a delivery stream's definition, its credentials
// masked (see Mask), and its status.
func (m *Manager) Describe(ctx context.Context, name string) (*Definition, Status, error) {
	if err := ValidateName(name); err != nil {
		return nil, Status{}, err
	}
	st, _, err := m.store.getDef(ctx, name)
	if err != nil {
		return nil, Status{}, err
	}
	s := Status{State: st.Status}
	m.mu.Lock()
	p := m.pipelines[name]
	if m.creating[name] {
		s.State = StatusCreating
	}
	if m.deleting[name] {
		s.State = StatusDeleting
	}
	m.mu.Unlock()
	if p != nil {
		p.status(&s)
		s.Host = m.cfg.HostID
	} else if err := m.remoteStatus(ctx, name, &s); err != nil {
		return nil, Status{}, err
	}
	out := clone(st.Def)
	redact(&out)
	return &out, s, nil
}

// List returns the names of every delivery stream, sorted.
func (m *Manager) List(ctx context.Context) ([]string, error) {
	names, err := m.store.names(ctx)
	if err != nil {
		return nil, fmt.Errorf("list delivery streams: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// Close stops every pipeline and waits for them: a batch being delivered
// is given Config.DrainTimeout to finish; one cut short is not
// acknowledged and is delivered again (to the same object keys) after the
// next Open. The connection stays open: it is the caller's.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	ps := m.pipelines
	m.pipelines = map[string]*pipeline{}
	m.mu.Unlock()
	// Each lease is released as soon as its pipeline has stopped, so
	// another host takes over at once; the others are renewed meanwhile.
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() { defer wg.Done(); p.drain(m.cfg.DrainTimeout); m.giveBack(p.def.Name) }()
	}
	wg.Wait()
	if m.stop != nil {
		m.stop()
	}
	m.wg.Wait()
	if m.leases != nil {
		m.releaseAll()
	}
	m.met.unregister()
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.DrainTimeout)
	defer cancel()
	_ = m.pub.Drain(ctx) // puts still waiting end by their own contexts
	return nil
}

func (m *Manager) usable() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return nil
}

func (m *Manager) setFlag(flags map[string]bool, name string, v bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v {
		flags[name] = true
	} else {
		delete(flags, name)
	}
}

// start runs a pipeline for def (which must be stored and ACTIVE) if this
// host holds its lease. A pipeline running for the same name is drained
// first (see pipeline.run): the batch it is delivering finishes under its
// own definition.
func (m *Manager) start(def *Definition) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.startLocked(def)
}

// startNewer is start unless a pipeline runs def's version or a newer one
// already (an update made on this host, seen again by the watch).
func (m *Manager) startNewer(def *Definition) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.pipelines[def.Name]; p != nil && p.def.Version >= def.Version {
		return
	}
	m.startLocked(def)
}

func (m *Manager) startLocked(def *Definition) {
	if m.closed {
		return
	}
	if o := m.owned[def.Name]; o == nil || o.leaving {
		return
	}
	p := newPipeline(m, clone(*def), m.pipelines[def.Name])
	m.pipelines[def.Name] = p
	p.start()
}

// stopPipeline cancels a pipeline and waits for it to end.
func (m *Manager) stopPipeline(name string) {
	m.mu.Lock()
	p := m.pipelines[name]
	delete(m.pipelines, name)
	m.mu.Unlock()
	if p != nil {
		p.cancel()
		p.wait()
	}
}

func (m *Manager) pipeline(name string) *pipeline {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pipelines[name]
}

// watchFreshness keeps every delivery stream's data freshness: the age of
// the oldest source record after its checkpoint, read from the source
// whether or not a batch is in flight (so a stream that cannot deliver at
// all shows its backlog ageing).
func (m *Manager) watchFreshness(ctx context.Context) {
	defer m.wg.Done()
	t := time.NewTicker(freshnessEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.mu.Lock()
		ps := make([]*pipeline, 0, len(m.pipelines))
		for _, p := range m.pipelines {
			ps = append(ps, p)
		}
		m.mu.Unlock()
		for _, p := range ps {
			age, known := 0.0, false
			for _, q := range p.all() { // each part of a grouped source
				qctx, cancel := context.WithTimeout(ctx, freshnessEvery)
				oldest, err := q.oldestUndelivered(qctx, q.checkpoint())
				cancel()
				if err != nil {
					continue // the source is not there (its state says why)
				}
				q.setOldest(oldest)
				known = true
				if !oldest.IsZero() {
					age = max(age, m.cfg.Now().Sub(oldest).Seconds())
				}
			}
			if known {
				m.met.freshness.WithLabelValues(p.def.Name).Set(age)
			}
		}
	}
}

// cloneDef deep-copies a definition through its JSON form, so callers
// never share maps or pointers with the Manager. It fails only for values
// JSON cannot hold (a NaN).
func cloneDef(d Definition) (Definition, error) {
	var out Definition
	b, err := json.Marshal(d)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}

// clone copies a definition that came from the store or passed cloneDef.
func clone(d Definition) Definition {
	out, _ := cloneDef(d)
	return out
}
