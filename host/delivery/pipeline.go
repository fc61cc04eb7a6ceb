package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// readAhead is how many source records a pipeline reads ahead of the
	// batch it is building.
	readAhead = 1024
	mib       = 1 << 20
)

// Status is what Describe reports about a running delivery stream.
type Status struct {
	// State is StatusCreating, StatusActive or StatusDeleting.
	State string
	// Counters since this host started the delivery stream.
	IncomingRecords  int64
	IncomingBytes    int64
	DeliveredRecords int64
	DeliveredObjects int64
	DroppedRecords   int64
	ErrorRecords     int64
	// Checkpoint is the last source sequence delivered durably.
	Checkpoint uint64
	// LastError is the most recent failure (destination down, module not
	// found...) and when it happened; empty once delivery succeeds again.
	LastError   string
	LastErrorAt time.Time
	// OldestUndeliveredAge is the age of the oldest record read but not
	// yet delivered (Firehose's DataFreshness); 0 when caught up.
	OldestUndeliveredAge time.Duration
}

// pipeline delivers one delivery stream: a reader goroutine follows the
// source from the checkpoint, and the run goroutine buffers, processes,
// writes and acknowledges batches. Both live in a context created by start
// and canceled by cancel (Delete, Apply, Close).
type pipeline struct {
	m      *Manager
	def    Definition
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	stat   Status
	oldest time.Time // first arrival of the batch being built or delivered
}

// record is one source record as read from JetStream.
type record struct {
	seq     uint64
	arrival time.Time
	data    []byte
	// Set for data-stream sources.
	shardID, partitionKey, sequenceNumber string
}

func newPipeline(m *Manager, def Definition) *pipeline {
	ctx, cancel := context.WithCancel(context.Background())
	return &pipeline{
		m: m, def: def, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		log: m.log.With(slog.String("delivery", def.Name)),
	}
}

func (p *pipeline) start() { go p.run() }

func (p *pipeline) wait() { <-p.done }

// run keeps a pipeline going: a failure (module missing, JetStream
// unreachable) is logged and retried with backoff until the pipeline is
// canceled.
func (p *pipeline) run() {
	defer close(p.done)
	for attempt := 0; ; attempt++ {
		began := time.Now()
		err := p.runOnce(p.ctx)
		if p.ctx.Err() != nil {
			return
		}
		p.failed(err)
		if time.Since(began) > p.m.cfg.BackoffMax {
			attempt = 0
		}
		if !sleep(p.ctx, p.m.cfg.backoff(attempt)) {
			return
		}
	}
}

// runOnce prepares the stages, reads the source from the checkpoint and
// delivers batches until ctx ends or something fails.
func (p *pipeline) runOnce(ctx context.Context) error {
	st, err := newStages(ctx, p)
	if err != nil {
		return err
	}
	defer st.close()
	pos, err := p.m.store.getPos(ctx, p.def.Name)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.stat.Checkpoint = pos.Checkpoint
	p.mu.Unlock()
	stream, filter := sourceOf(&p.def)
	cons, err := p.m.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{filter},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    pos.Checkpoint + 1,
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	rctx, stop := context.WithCancel(ctx)
	recs := make(chan record, readAhead)
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- p.read(rctx, cons, recs)
	}()
	defer func() { stop(); wg.Wait() }()
	return p.loop(ctx, st, pos, recs, readErr)
}

// loop builds batches and delivers them: a pending intent first (exactly
// its range), then by the buffering hints.
func (p *pipeline) loop(ctx context.Context, st *stages, pos position, recs <-chan record, readErr <-chan error) error {
	limit := p.def.Buffering.SizeMiB * mib
	interval := time.Duration(*p.def.Buffering.IntervalSeconds) * time.Second
	var (
		batch  []record
		size   int
		timer  *time.Timer
		timerC <-chan time.Time
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	replay := pos.Intent
	flush := func() error {
		if timer != nil {
			timer.Stop()
			timer, timerC = nil, nil
		}
		if len(batch) == 0 {
			return nil
		}
		version := p.def.Version
		if replay != nil {
			version = replay.Version
		}
		err := p.deliver(ctx, st, batch, version, replay != nil)
		batch, size, replay = nil, 0, nil
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case <-timerC:
			if err := flush(); err != nil {
				return err
			}
			continue
		case r := <-recs:
			if replay != nil {
				// Rebuild exactly the batch that was being delivered.
				if r.seq > replay.Last {
					// Part of the range is gone (aged out): deliver the rest.
					if err := flush(); err != nil {
						return err
					}
					replay = nil
				} else {
					batch = append(batch, r)
					p.setOldest(batch[0].arrival)
					if r.seq == replay.Last {
						if err := flush(); err != nil {
							return err
						}
					}
					continue
				}
			}
			batch = append(batch, r)
			size += len(r.data)
			if len(batch) == 1 {
				p.setOldest(r.arrival)
				if interval > 0 {
					timer = time.NewTimer(interval)
					timerC = timer.C
				}
			}
			if size < limit && interval == 0 {
				size = p.drain(recs, &batch, size, limit)
			}
			if size >= limit || interval == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
}

// drain adds the records already waiting, up to the size limit (for a zero
// interval: deliver what is there now).
func (p *pipeline) drain(recs <-chan record, batch *[]record, size, limit int) int {
	for size < limit {
		select {
		case r := <-recs:
			*batch = append(*batch, r)
			size += len(r.data)
		default:
			return size
		}
	}
	return size
}

// deliver processes and writes one batch, then acknowledges it: the
// checkpoint moves past it and direct-put records are purged. Before
// writing anything it records the batch's range as the intent (unless it
// is the intent being replayed). It returns an error only when the batch
// was not acknowledged (ctx canceled, the bucket unreachable).
func (p *pipeline) deliver(ctx context.Context, st *stages, batch []record, version int, replay bool) error {
	first, last := batch[0].seq, batch[len(batch)-1].seq
	if !replay {
		pos := position{Checkpoint: p.checkpoint(), Intent: &intent{First: first, Last: last, Version: version}}
		if err := p.m.store.putPos(ctx, p.def.Name, pos); err != nil {
			return err
		}
	}
	out, err := st.process(ctx, batch, version)
	if err != nil {
		return err
	}
	if err := st.write(ctx, out); err != nil {
		return err
	}
	if err := p.m.store.putPos(ctx, p.def.Name, position{Checkpoint: last}); err != nil {
		return err
	}
	p.mu.Lock()
	p.stat.Checkpoint = last
	p.stat.LastError = ""
	p.stat.DeliveredRecords += int64(out.delivered)
	p.stat.DeliveredObjects += int64(out.objectCount())
	p.stat.DroppedRecords += int64(out.dropped)
	p.stat.ErrorRecords += int64(len(out.errors))
	p.oldest = time.Time{}
	p.mu.Unlock()
	if p.def.Source.Kind == SourceDirectPut {
		s, err := p.m.js.Stream(ctx, directStream(p.def.Name))
		if err == nil {
			err = s.Purge(ctx, jetstream.WithPurgeSequence(last+1))
		}
		if err != nil && ctx.Err() == nil {
			p.log.Warn("purging delivered records", "error", err) // MaxAge removes them later
		}
	}
	return nil
}

func (p *pipeline) checkpoint() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stat.Checkpoint
}

func (p *pipeline) setOldest(t time.Time) {
	p.mu.Lock()
	if p.oldest.IsZero() {
		p.oldest = t
	}
	p.mu.Unlock()
}

func (p *pipeline) oldestPending() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.oldest
}

// failed records a failure for Describe and the log.
func (p *pipeline) failed(err error) {
	if err == nil {
		return
	}
	p.log.Warn("delivery failing; retrying", "error", err)
	p.mu.Lock()
	p.stat.LastError = err.Error()
	p.stat.LastErrorAt = p.m.cfg.Now().UTC()
	p.mu.Unlock()
}

func (p *pipeline) count(records, bytes int) {
	p.mu.Lock()
	p.stat.IncomingRecords += int64(records)
	p.stat.IncomingBytes += int64(bytes)
	p.mu.Unlock()
}

// status fills s from the pipeline's figures.
func (p *pipeline) status(s *Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	state := s.State
	*s = p.stat
	s.State = state
	if !p.oldest.IsZero() {
		s.OldestUndeliveredAge = p.m.cfg.Now().Sub(p.oldest)
	}
}

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
