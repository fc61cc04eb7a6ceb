package streams

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Bounds of the records puts have published and JetStream has not yet
// acknowledged, over all puts of one Publisher (the engine's data streams
// have one, direct puts another): a record that finds either full waits
// for room up to PublishStallWait, then fails with
// jetstream.ErrTooManyStalledMsgs (a throughput error to the caller). A
// record larger than PublishMaxPendingBytes goes when nothing else is in
// flight.
const (
	PublishMaxPending      = 8192
	PublishMaxPendingBytes = 64 << 20
	PublishStallWait       = 2 * time.Second
	// publishRetries and publishRetryWait: a record JetStream has no
	// responder for (it is restarting, or the stream is gone) is sent
	// again this many times, this long apart, before it fails with
	// jetstream.ErrNoStreamResponse (nats.go's defaults for async
	// publish).
	publishRetries   = jetstream.DefaultPubRetryAttempts
	publishRetryWait = jetstream.DefaultPubRetryWait
)

// Publisher publishes the records of puts to JetStream and collects each
// record's acknowledgement (its own sequence number, which Kinesis
// answers), the work nats.go's PublishMsgAsync does, without its costs
// per message: one reply subscription for all puts, reply subjects
// naming a batch and an index (made in one allocation per batch), no
// future, channel or timer per message, and acknowledgements parsed
// without reflection (parseAck). A put waits for its batch with its own
// deadline. The engine's data streams use one, host/delivery's direct put
// another.
//
// A put calls Begin, fills in each record's message (Msg), Publish for
// each, then Wait; then Result tells each record's outcome.
type Publisher struct {
	nc     *nats.Conn
	sub    *nats.Subscription
	prefix string // reply subjects: prefix + batch id + "." + index

	mu      sync.Mutex
	batches map[uint64]*PubBatch
	nextID  uint64
	msgs    int           // records in flight
	bytes   int           // their data bytes
	room    chan struct{} // closed (and cleared) when room frees; nil with no one waiting
	idle    chan struct{} // closed (and cleared) when nothing is in flight; see drain
}

// Record states in a batch.
const (
	recUnsent  = iota // not published (refused, or publishing failed)
	recPending        // published, not yet answered
	recDone           // answered (acknowledged, failed, or given up)
)

// PubBatch is the records of one put (see Publisher).
type PubBatch struct {
	id      uint64
	msgs    []nats.Msg
	state   []uint8
	retries []uint8
	// failFast: a record no stream took fails at once (see FailFast).
	failFast bool
	seqs     []uint64
	errs     []error
	pending  int
	sealed   bool // the put waits: done closes when pending reaches 0
	done     chan struct{}
}

// FailFast makes a record that no stream takes (a "no responders"
// answer) fail at once with jetstream.ErrNoStreamResponse instead of
// being sent again publishRetries times: for a caller that tells a
// closed subject from JetStream restarting itself (the engine's puts,
// whose shard may have closed under them, see put.go). Call it before
// Publish.
func (b *PubBatch) FailFast() { b.failFast = true }

// Msg is record i's message, to fill in before Publish.
func (b *PubBatch) Msg(i int) *nats.Msg { return &b.msgs[i] }

// Result is record i's outcome once Wait returned: its stream sequence,
// or why it failed (ctx's error, the store's, or what JetStream answered,
// to be classified as for PublishMsgAsync's errors); sent is false for a
// record never published (Publish failed, or it was not called).
func (b *PubBatch) Result(i int) (seq uint64, sent bool, err error) {
	return b.seqs[i], b.state[i] == recDone, b.errs[i]
}

// NewPublisher subscribes to the replies of the puts it will publish on
// nc. Drain ends it.
func NewPublisher(nc *nats.Conn) (*Publisher, error) {
	p := &Publisher{nc: nc, prefix: nc.NewInbox() + ".", batches: map[uint64]*PubBatch{}}
	sub, err := nc.Subscribe(p.prefix+"*.*", p.reply)
	if err != nil {
		return nil, err
	}
	p.sub = sub
	return p, nil
}

// Begin registers a batch of n records, whose messages (Msg) the caller
// fills in (Subject, Data, Header) before Publish; their reply subjects
// are set. Every batch begun must be waited for (Wait).
func (p *Publisher) Begin(n int) *PubBatch {
	p.mu.Lock()
	p.nextID++
	b := &PubBatch{id: p.nextID, msgs: make([]nats.Msg, n), state: make([]uint8, n), seqs: make([]uint64, n),
		errs: make([]error, n), done: make(chan struct{})}
	p.batches[b.id] = b
	p.mu.Unlock()
	head := p.prefix + strconv.FormatUint(b.id, 10) + "."
	buf := make([]byte, 0, n*(len(head)+4))
	ends := make([]int, n)
	for i := range n {
		buf = append(buf, head...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		ends[i] = len(buf)
	}
	all, start := string(buf), 0
	for i := range n {
		b.msgs[i].Reply = all[start:ends[i]]
		start = ends[i]
	}
	return b
}

// Publish sends record i of b, once there is room in flight (waiting at
// most PublishStallWait, or until ctx ends). An error means the record was
// not sent.
func (p *Publisher) Publish(ctx context.Context, b *PubBatch, i int) error {
	m := &b.msgs[i]
	if err := p.reserve(ctx, len(m.Data)); err != nil {
		return err
	}
	p.mu.Lock()
	b.state[i] = recPending
	b.pending++
	p.mu.Unlock()
	if err := p.nc.PublishMsg(m); err != nil {
		p.mu.Lock()
		if b.state[i] == recPending {
			b.state[i] = recUnsent
			b.pending--
			p.release(len(m.Data))
		}
		p.mu.Unlock()
		return err
	}
	return nil
}

// reserve takes room for one record of n bytes.
func (p *Publisher) reserve(ctx context.Context, n int) error {
	var stall *time.Timer
	for {
		p.mu.Lock()
		if p.msgs < PublishMaxPending && (p.bytes+n <= PublishMaxPendingBytes || p.msgs == 0) {
			p.msgs++
			p.bytes += n
			p.mu.Unlock()
			return nil
		}
		if p.room == nil {
			p.room = make(chan struct{})
		}
		room := p.room
		p.mu.Unlock()
		if stall == nil {
			stall = time.NewTimer(PublishStallWait)
			defer stall.Stop()
		}
		select {
		case <-room:
		case <-stall.C:
			return jetstream.ErrTooManyStalledMsgs
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release gives back one record's room; p.mu is held.
func (p *Publisher) release(n int) {
	p.msgs--
	p.bytes -= n
	if p.room != nil {
		close(p.room)
		p.room = nil
	}
	if p.msgs == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// Wait waits until every published record of b is answered, ctx ends
// (the records still waiting fail with ctx's error) or failing closes
// (they fail with storage's error: a publish that hit a write error is
// never answered). An answer that came in already wins. Then b is done:
// its results are Result's.
func (p *Publisher) Wait(ctx context.Context, b *PubBatch, failing <-chan struct{}, storage func() error) {
	p.mu.Lock()
	b.sealed = true
	pending := b.pending
	p.mu.Unlock()
	if pending > 0 {
		select {
		case <-b.done:
		case <-ctx.Done():
			p.giveUp(b, ctx.Err())
		case <-failing:
			p.giveUp(b, StorageFailed(storage()))
		}
	}
	p.mu.Lock()
	delete(p.batches, b.id)
	p.mu.Unlock()
}

// giveUp fails b's records still waiting with err.
func (p *Publisher) giveUp(b *PubBatch, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range b.state {
		if s == recPending {
			b.state[i], b.errs[i] = recDone, err
			p.release(len(b.msgs[i].Data))
		}
	}
	b.pending = 0
}

// reply takes one acknowledgement (the reply subscription's callback).
func (p *Publisher) reply(m *nats.Msg) {
	id, i, ok := parseReply(m.Subject[min(len(p.prefix), len(m.Subject)):])
	if !ok {
		return
	}
	noResponders := len(m.Data) == 0 && m.Header.Get("Status") == "503"
	var seq uint64
	var err error
	if !noResponders {
		seq, err = parseAck(m.Data)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.batches[id]
	if b == nil || i >= len(b.state) || b.state[i] != recPending {
		return // given up, or not ours
	}
	if noResponders {
		if b.retries == nil {
			b.retries = make([]uint8, len(b.state))
		}
		if !b.failFast && b.retries[i] < publishRetries {
			b.retries[i]++
			time.AfterFunc(publishRetryWait, func() { p.resend(b, i) })
			return
		}
		err = jetstream.ErrNoStreamResponse
	}
	b.state[i], b.seqs[i], b.errs[i] = recDone, seq, err
	p.release(len(b.msgs[i].Data))
	b.pending--
	if b.pending == 0 && b.sealed {
		close(b.done)
	}
}

// resend publishes record i of b again, after no responder took it.
func (p *Publisher) resend(b *PubBatch, i int) {
	p.mu.Lock()
	live := p.batches[b.id] == b && b.state[i] == recPending
	p.mu.Unlock()
	if !live {
		return
	}
	if err := p.nc.PublishMsg(&b.msgs[i]); err != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if b.state[i] == recPending {
			b.state[i], b.errs[i] = recDone, err
			p.release(len(b.msgs[i].Data))
			b.pending--
			if b.pending == 0 && b.sealed {
				close(b.done)
			}
		}
	}
}

// Drain waits until nothing is in flight or ctx ends, then ends the reply
// subscription.
func (p *Publisher) Drain(ctx context.Context) error {
	defer func() { _ = p.sub.Unsubscribe() }()
	p.mu.Lock()
	if p.msgs == 0 {
		p.mu.Unlock()
		return nil
	}
	if p.idle == nil {
		p.idle = make(chan struct{})
	}
	idle := p.idle
	p.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// parseReply reads "batch.index" from a reply subject.
func parseReply(s string) (id uint64, i int, ok bool) {
	dot := -1
	for j := 0; j < len(s); j++ {
		if s[j] == '.' {
			dot = j
			break
		}
	}
	if dot < 0 {
		return 0, 0, false
	}
	id, err := strconv.ParseUint(s[:dot], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	n, err := strconv.ParseUint(s[dot+1:], 10, 31)
	if err != nil {
		return 0, 0, false
	}
	return id, int(n), true
}
