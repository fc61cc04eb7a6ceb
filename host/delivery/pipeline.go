package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const mib = 1 << 20

// errDrained ends a run that was asked to stop between batches.
var errDrained = errors.New("drained")

// pipeline delivers one delivery stream: a reader goroutine follows the
// source from the checkpoint, and the run goroutine buffers, processes,
// writes and acknowledges batches. Both live in a context created by
// newPipeline and canceled by cancel (Delete, Close). Apply asks a running
// pipeline to drain instead: it stops between batches, so the batch it is
// delivering finishes under the definition that started it.
type pipeline struct {
	m      *Manager
	def    Definition
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// drainReq is closed to ask the loop to stop between batches.
	drainReq  chan struct{}
	drainOnce sync.Once
	// prev is the pipeline this one replaces (Apply): run waits for it to
	// drain first, so one delivery stream never has two running.
	prev *pipeline

	// fenced is set once the pipeline made the position its own (run
	// goroutine only).
	fenced bool

	mu     sync.Mutex
	stat   Status
	oldest time.Time // arrival of the oldest undelivered source record
	recent recentLog // the last objects and error records written (recent.go)
	// rev is the position key's revision as this pipeline last wrote it:
	// the fence every position write names (store.casPos).
	rev uint64

	// part is the part of a grouped source data stream (shard groups,
	// streams.Stream.Parts) this pipeline reads, with a position of its
	// own; 0 for every other source. The Manager runs part 0's pipeline,
	// the lead: it starts one for each other part (parts.go), which
	// shares its context and drain request and ends before it does. lead
	// is that pipeline, nil for the lead itself.
	part  int
	lead  *pipeline
	parts []*pipeline // the lead's, under mu
	// retired is set for a part the source no longer has, accounted for.
	retired bool
	// stateMu (the lead's) orders the state changes of all parts with
	// the state metric they set.
	stateMu sync.Mutex

	// order is what the run goroutine knows of the source's shards to
	// keep each key's records in order across parts (parts.go).
	order partOrder
}

// record is one source record as read from JetStream, or one of the
// records made of it (expand.go): a user record of a KPL aggregate, or a
// record the record processors split out. Those share the source record's
// seq, arrival and sequence number.
type record struct {
	seq     uint64
	arrival time.Time
	data    []byte
	// Set for data-stream sources.
	shardID, partitionKey, sequenceNumber string
	// barrier is set for a reshard barrier of a data-stream source: a
	// sequence that holds no record (streams.IsBarrier), read only so that
	// it is not taken for a gap.
	barrier bool
	// aggregated is set for a user record of a KPL aggregate: sub is its
	// subsequence number, explicitHashKey its own ("" when none), and
	// partitionKey its own.
	aggregated      bool
	sub             int64
	explicitHashKey string
	// split is set for a record the record processors split out of one
	// (a CloudWatch Logs event, a JSON object, a delimited piece): part
	// numbers those of one record from 0.
	split bool
	part  int
}

func newPipeline(m *Manager, def Definition, prev *pipeline) *pipeline {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pipeline{
		m: m, def: def, ctx: ctx, cancel: cancel, done: make(chan struct{}), drainReq: make(chan struct{}), prev: prev,
		log: m.log.With(slog.String("delivery", def.Name)),
	}
	p.stat.State = StatusActive
	return p
}

func (p *pipeline) start() { go p.run() }

func (p *pipeline) wait() { <-p.done }

// drain asks the pipeline to stop once the batch it is delivering is
// durable, waits up to grace for that, then cancels it (a batch cut short
// is replayed from its intent by the next run) and waits for it to end.
func (p *pipeline) drain(grace time.Duration) {
	p.drainOnce.Do(func() { close(p.drainReq) })
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.cancel()
		<-p.done
	}
}

// run keeps a pipeline going: a failure (destination down, module missing,
// JetStream unreachable) is recorded and retried with backoff until the
// pipeline is canceled or drained. A failure that needs a change to clear
// is retried at the longest backoff.
func (p *pipeline) run() {
	defer close(p.done)
	defer p.waitParts()
	if p.prev != nil {
		p.prev.drain(p.m.cfg.DrainTimeout)
		p.prev = nil
	}
	if p.lead == nil {
		p.m.met.setState(p.def.Name, StatusActive)
	}
	for attempt := 0; ; attempt++ {
		began := time.Now()
		err := p.runOnce(p.ctx)
		if p.ctx.Err() != nil || errors.Is(err, errDrained) {
			return
		}
		if errors.Is(err, errRetired) {
			p.retire()
			p.log.Info("the source has no such part any more; its records were accounted for")
			return
		}
		if errors.Is(err, errFenced) {
			// Another host runs the delivery stream now (or it was
			// deleted): this one must not write again, and does not retry;
			// nor do the pipelines of the other parts.
			p.failed(err)
			p.log.Warn("stopping: another host took the delivery stream over")
			top := p.top()
			top.cancel()
			p.m.fenced(top)
			return
		}
		if errors.Is(err, errSourceChanged) {
			continue // at once: checkSource sorts it out
		}
		p.failed(err)
		if time.Since(began) > p.m.cfg.BackoffMax {
			attempt = 0
		}
		wait := p.m.cfg.backoff(attempt)
		if isPermanent(err) {
			wait = p.m.cfg.BackoffMax
		}
		if !p.pause(p.ctx, wait) {
			return
		}
	}
}

// runOnce prepares the stages, checks the source, reads it from the
// checkpoint and delivers batches until ctx ends, a drain is asked for or
// something fails.
func (p *pipeline) runOnce(ctx context.Context) error {
	pos, rev, err := p.m.store.loadPartPos(ctx, p.def.Name, p.part)
	if err != nil {
		return err
	}
	if err := p.startKeptParts(ctx); err != nil {
		return err
	}
	if err := p.fence(ctx, pos, rev); err != nil {
		return err
	}
	p.setCheckpoint(pos.Checkpoint)
	st, err := newStages(ctx, p, &p.def, "")
	if err != nil {
		return permanent(err)
	}
	defer st.close()
	if pos, err = p.checkSource(ctx, st, pos); err != nil {
		return err
	}
	p.setCheckpoint(pos.Checkpoint)
	if pos.Intent == nil {
		p.pruneVersions(ctx)
	}
	stream, subjects := p.source()
	cons, err := p.m.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: subjects,
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    pos.Checkpoint + 1,
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	rctx, stop := context.WithCancel(ctx)
	q := newReadQueue(p.readAhead())
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- p.read(rctx, cons, q)
	}()
	defer func() { stop(); wg.Wait() }()
	return p.loop(ctx, st, pos, q, readErr)
}

// replayStages returns the stages to replay in under: cur when the intent
// was made under the current definition and module, else stages built for
// the definition version and module version the intent names. A module
// version removed since cannot be had: the batch is then processed by the
// definition's module, which is logged (its objects may then differ).
func (p *pipeline) replayStages(ctx context.Context, cur *stages, in *intent) (*stages, error) {
	if in.Version == cur.def.Version && in.Module == cur.moduleRef {
		return cur, nil
	}
	def := &p.def
	if in.Version != p.def.Version {
		old, err := p.m.store.getVersion(ctx, p.def.Name, in.Version)
		if errors.Is(err, ErrNotFound) {
			p.log.Warn("the definition version of the batch to replay is not kept; replaying under the current one",
				"version", in.Version, "current", p.def.Version)
			return cur, nil
		}
		if err != nil {
			return nil, err
		}
		def = old
	}
	st, err := newStages(ctx, p, def, in.Module)
	if err != nil && in.Module != "" {
		p.log.Warn("the module version of the batch to replay cannot be loaded; replaying with the definition's module",
			"module", in.Module, "error", err)
		st, err = newStages(ctx, p, def, "")
	}
	if err != nil {
		return nil, permanent(fmt.Errorf("replay under version %d: %w", in.Version, err))
	}
	return st, nil
}

// commit writes one processed batch and acknowledges it: the checkpoint
// moves past it and direct-put records are purged. Before writing anything
// it records the batch's range, definition version and module version as
// the intent (unless it is the intent being replayed). It returns an error
// only when the batch was not acknowledged (ctx canceled, the bucket
// unreachable, the error output unwritable). The loop runs it while it
// builds and processes the next batch (loop.go); that batch's commit waits
// for this one, so there is still one intent at a time.
func (p *pipeline) commit(ctx context.Context, st *stages, b *batch, in intent, replay bool, out *output) error {
	if !replay {
		pos := position{Checkpoint: p.checkpoint(), Intent: &in, SourceID: b.sourceID, SourceGen: b.sourceGen}
		if err := p.savePos(ctx, pos); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := st.write(ctx, out); err != nil {
		return err
	}
	p.m.met.observeBatch(p.def.Name, b.recs, start, time.Now())
	if h := p.m.cfg.hookCheckpoint; h != nil {
		h(p.def.Name)
	}
	if err := p.savePos(ctx, position{Checkpoint: in.Last, SourceID: b.sourceID, SourceGen: b.sourceGen}); err != nil {
		return err
	}
	p.noteGaps(b.gaps)
	p.m.met.deaggregated.WithLabelValues(p.def.Name).Add(float64(b.itemCount()))
	p.mu.Lock()
	p.stat.Checkpoint = in.Last
	p.stat.DeliveredRecords += int64(out.delivered)
	p.stat.DeliveredObjects += int64(out.objectCount())
	p.stat.DroppedRecords += int64(out.dropped)
	p.stat.ErrorRecords += int64(len(out.errors))
	p.stat.DeaggregatedRecords += int64(b.itemCount())
	p.mu.Unlock()
	p.recovered()
	if in.Version < p.def.Version {
		p.pruneVersions(ctx)
	}
	if p.def.Source.Kind == SourceDirectPut {
		s, err := p.m.js.Stream(ctx, directStream(p.def.Name))
		if err == nil {
			err = s.Purge(ctx, jetstream.WithPurgeSequence(in.Last+1))
		}
		if err != nil && ctx.Err() == nil {
			p.log.Warn("purging delivered records", "error", err) // MaxAge removes them later
		}
	}
	return nil
}

// fence makes the position this pipeline's on its first run: it rewrites
// the position read (pos at revision rev) with compare-and-set, so a
// host that ran the delivery stream before, and every position write it
// still makes, fails (errFenced) from then on. pos then holds any intent
// that host wrote, which this pipeline replays first (to the same keys).
// On later runs it checks that the position is still at the revision
// this pipeline wrote.
func (p *pipeline) fence(ctx context.Context, pos position, rev uint64) error {
	if p.fenced {
		if rev != p.posRev() {
			return fmt.Errorf("position of %s: %w", p.def.Name, errFenced)
		}
		return nil
	}
	next, err := p.m.store.casPartPos(ctx, p.def.Name, p.part, pos, rev)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.rev = next
	p.mu.Unlock()
	p.fenced = true
	return nil
}

// savePos writes the position, only if it is still at the revision this
// pipeline wrote last.
func (p *pipeline) savePos(ctx context.Context, pos position) error {
	next, err := p.m.store.casPartPos(ctx, p.def.Name, p.part, pos, p.posRev())
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.rev = next
	p.mu.Unlock()
	return nil
}

func (p *pipeline) posRev() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rev
}

func (p *pipeline) checkpoint() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stat.Checkpoint
}

func (p *pipeline) setCheckpoint(seq uint64) {
	p.mu.Lock()
	p.stat.Checkpoint = seq
	p.mu.Unlock()
}

// setOldest records the arrival of the oldest undelivered source record
// (zero: caught up).
func (p *pipeline) setOldest(t time.Time) {
	p.mu.Lock()
	p.oldest = t
	p.mu.Unlock()
}

func (p *pipeline) count(records, bytes int) {
	p.mu.Lock()
	p.stat.IncomingRecords += int64(records)
	p.stat.IncomingBytes += int64(bytes)
	p.mu.Unlock()
}

// pause waits d; false means ctx ended or a drain was asked for (waiting
// out a backoff is not worth holding up an Apply or a shutdown).
func (p *pipeline) pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-p.drainReq:
		return false
	case <-t.C:
		return true
	}
}
