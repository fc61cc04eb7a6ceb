package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Subscription timings and bounds (SubscribeToShard).
const (
	// DefaultSubscriptionDuration is how long a subscription lasts before
	// it ends cleanly, as on AWS; MaxSubscriptionDuration is the most
	// Config.SubscriptionDuration may say.
	DefaultSubscriptionDuration = 5 * time.Minute
	MaxSubscriptionDuration     = 5 * time.Minute
	// SubscriptionHeartbeat is the longest a subscription goes without an
	// event: with no new records it sends an empty one, which carries the
	// continuation and tells the client the connection is alive.
	SubscriptionHeartbeat = 5 * time.Second
	// subscriptionCheck is how often a waiting subscription checks its
	// lease (taken over, consumer deregistered, stream deleted) and
	// whether its shard closed.
	subscriptionCheck = time.Second
	// SubscribeEventBytes is the most record data one event reads; the
	// last record may take it over by up to MaxRecordData.
	SubscribeEventBytes = 256 << 10
	// SubscribeEventRecords is the most records in one event.
	SubscribeEventRecords = 500
	// subscribeEncodeFactor is what an event holds per byte of record
	// data until it is written: the data, its base64 in the JSON payload
	// and the event stream message that copies the payload.
	subscribeEncodeFactor = 4
	// subscribeRecordOverhead is what an event holds per record besides
	// its data: the record's headers as read, and its JSON fields twice.
	subscribeRecordOverhead = 6 << 10
	// subscribeFrameOverhead covers an event's JSON and message framing.
	subscribeFrameOverhead = 64 << 10
	// subscribeGrant is what an event takes from the read budget to read
	// (Config.MaxReadBytes, shared with GetRecords): its data and the
	// encoding of it at the worst. It gives back what it does not hold
	// once read.
	subscribeGrant = subscribeEncodeFactor*(SubscribeEventBytes+readGrantSlack) +
		SubscribeEventRecords*subscribeRecordOverhead + subscribeFrameOverhead
	// subscribeBudgetRetry is how soon a subscription that found the read
	// budget taken tries again.
	subscribeBudgetRetry = 100 * time.Millisecond
)

// subscriptions is the engine's state for SubscribeToShard.
type subscriptions struct {
	leases jetstream.KeyValue
	// ctx ends every subscription: at Close and EndSubscriptions.
	ctx    context.Context
	cancel context.CancelFunc
}

// EndSubscriptions ends every subscription of this engine cleanly, as
// their duration would: called as the HTTP server shuts down, so that
// clients reconnect (elsewhere) instead of waiting on a server that
// stops.
func (e *Engine) EndSubscriptions() { e.subs.cancel() }

// SubscriptionEvent is one SubscribeToShardEvent.
type SubscriptionEvent struct {
	Records []StoredRecord
	// ContinuationSequenceNumber resumes the subscription (or a shard
	// iterator) with AFTER_SEQUENCE_NUMBER: the last record delivered, or,
	// before any, the position's predecessor in the shard (see
	// continuation). Empty in the last event of a closed shard.
	ContinuationSequenceNumber string
	// MillisBehindLatest is how far the last record is behind the
	// shard's newest; 0 when caught up.
	MillisBehindLatest int64
	// ChildShards are given in the last event of a closed shard.
	ChildShards []Shard

	grant *readGrant
}

// Release returns the event's bytes to the engine's read budget: call it
// once the event is written.
func (ev *SubscriptionEvent) Release() {
	if ev != nil {
		ev.grant.release()
	}
}

// Subscription is an open SubscribeToShard: Next returns its events, in
// order, until it ends. It is not safe for concurrent use.
type Subscription struct {
	e        *Engine
	arn      string
	ref      ConsumerRef
	shard    string
	streamID uint64
	pos      iterator
	// cont is the continuation while contKnown (always, once a record
	// was delivered).
	cont      uint64
	contKnown bool
	lease     *lease
	wake      chan struct{}
	consume   jetstream.ConsumeContext
	ctx       context.Context // ends with the subscription's duration
	cancel    context.CancelFunc
	sent      bool // an event was returned
	finished  bool // the closed shard's last event was returned
	closed    bool // the shard was closed at the last check
	pace      bucket
	pacing    bool // the stream enforces throughput limits
	closeOnce sync.Once
}

// Subscribe opens consumer arn's subscription to a shard from a starting
// position (as GetShardIterator takes it). It fails with ErrNotFound for
// a consumer, stream or shard that does not exist, ErrInUse for a
// consumer that is not ACTIVE or when another
// subscription of the consumer to the shard started less than
// SubscriptionTakeover ago, and the errors of GetShardIterator for the
// position. Close it when done.
func (e *Engine) Subscribe(ctx context.Context, arn, shardID string, pos IteratorRequest) (_ *Subscription, err error) {
	ref, err := ParseConsumerARN("consumerARN", arn)
	if err != nil {
		return nil, err
	}
	if err := ValidateShardID(shardID); err != nil {
		return nil, err
	}
	if err := e.subscribable(ctx, ref, arn); err != nil {
		return nil, err
	}
	// The position, resolved and checked as GetShardIterator does it.
	tok, err := e.GetShardIterator(ctx, ref.Stream, shardID, pos)
	if err != nil {
		return nil, err
	}
	it, err := e.decodeIterator(tok)
	if err != nil {
		return nil, err
	}
	s := &Subscription{e: e, arn: arn, ref: ref, shard: shardID, streamID: it.StreamID, pos: it,
		wake: make(chan struct{}, 1)}
	if s.lease, err = e.acquireLease(ctx, leaseKey(ref.Stream, ref.Consumer, shardID), arn); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// Records are followed by a headers-only ordered consumer of the
	// shard's subject, started before the first read so that nothing
	// stored after it goes unnoticed; its messages only wake the reader,
	// which reads by direct get as GetRecords does.
	def, _, err := e.shardIn(ctx, ref.Stream, shardID, it.StreamID)
	if err != nil {
		return nil, err
	}
	cons, err := e.js.OrderedConsumer(ctx, def.jsOf(shardID), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{shardSubject(ref.Stream, shardID)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
		HeadersOnly:    true,
	})
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, e.notFound(ref.Stream)
	}
	if err != nil {
		return nil, fmt.Errorf("subscribe %s %s: %w", ref.Stream, shardID, err)
	}
	s.consume, err = cons.Consume(func(m jetstream.Msg) {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}, jetstream.PullMaxMessages(64), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		e.log.Debug("subscription follower", "stream", ref.Stream, "shard", shardID, "err", err)
	}))
	if err != nil {
		return nil, fmt.Errorf("subscribe %s %s: %w", ref.Stream, shardID, err)
	}
	s.ctx, s.cancel = context.WithTimeout(e.subs.ctx, e.cfg.SubscriptionDuration)
	e.log.Debug("subscription opened", "stream", ref.Stream, "consumer", ref.Consumer, "shard", shardID)
	return s, nil
}

// Deadline is when the subscription's duration ends.
func (s *Subscription) Deadline() time.Time {
	d, _ := s.ctx.Deadline()
	return d
}

// Close ends the subscription and releases its lease.
func (s *Subscription) Close() {
	s.closeOnce.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		if s.consume != nil {
			s.consume.Stop()
		}
		s.e.releaseLease(s.lease)
	})
}

// Next returns the subscription's next event: the records that follow its
// position as soon as there are any, an empty event at once for the first
// and then after SubscriptionHeartbeat without records, and the last
// event of a closed shard (with its children). It returns io.EOF once the
// subscription's duration is over (or the shard's last event was
// returned), ErrInUse when another subscription took it over and
// ErrNotFound when its consumer or stream is gone.
func (s *Subscription) Next(ctx context.Context) (*SubscriptionEvent, error) {
	if s.finished {
		return nil, io.EOF
	}
	heartbeat := time.NewTimer(SubscriptionHeartbeat)
	defer heartbeat.Stop()
	check := time.NewTicker(subscriptionCheck)
	defer check.Stop()
	for {
		if s.ctx.Err() != nil {
			return nil, io.EOF
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if wait := s.paceWait(); wait > 0 {
			if err := s.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		ev, retry, err := s.read(ctx)
		if err != nil {
			return nil, err
		}
		if ev == nil && !s.sent && !retry {
			ev, err = s.empty(ctx)
			if err != nil {
				return nil, err
			}
		}
		if ev != nil {
			s.sent = true
			return ev, nil
		}
		var backoff <-chan time.Time
		if retry {
			backoff = time.After(subscribeBudgetRetry)
		}
		select {
		case <-s.wake:
		case <-backoff:
		case <-heartbeat.C:
			return s.empty(ctx)
		case <-check.C:
			if err := s.check(ctx); err != nil {
				return nil, err
			}
		case <-s.ctx.Done():
		case <-ctx.Done():
		}
	}
}

// sleep waits d, or until the subscription or ctx ends.
func (s *Subscription) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// paceWait is how long the subscription must wait before it reads on,
// when its stream enforces Kinesis's throughput limits: AWS pushes at
// most 2 MiB/s per consumer per shard (a rate of its own, not shared with
// GetRecords). Zero without limits.
func (s *Subscription) paceWait() time.Duration {
	d, ok := s.e.defs.lookup(s.ref.Stream)
	if !ok || d.s == nil {
		return 0
	}
	l := s.e.limitsFor(d.s)
	if s.pacing = l != nil && l.ReadBytes > 0; !s.pacing {
		return 0
	}
	rate := float64(l.ReadBytes)
	s.pace.refill(time.Now(), rate)
	if s.pace.tokens > 0 {
		return 0
	}
	return time.Duration(-s.pace.tokens / rate * float64(time.Second))
}

// check ends the subscription if its lease was taken over or removed, or
// its stream is gone, and notes whether its shard closed (then the
// caller's next read ends it, though no record will come to wake it).
func (s *Subscription) check(ctx context.Context) error {
	state, err := s.e.checkLease(ctx, s.lease)
	if err != nil {
		s.e.log.Debug("checking a subscription lease", "key", s.lease.key, "err", err)
	}
	switch state {
	case leaseTaken:
		return errorf(ErrInUse, "Another subscription of consumer %s to shard %s took over this one.", s.arn, s.shard)
	case leaseGone:
		c, err := s.e.ConsumerByARN(ctx, s.ref, s.arn)
		if err != nil {
			return err
		}
		if c.Status == ConsumerDeleting {
			return s.e.consumerNotFound(s.arn)
		}
		return io.EOF
	}
	d, err := s.e.definition(ctx, s.ref.Stream)
	if err != nil {
		return err
	}
	if d.s.ID != s.streamID || !usable(d.s) {
		return s.e.notFound(s.ref.Stream)
	}
	if sh, ok := d.s.Shard(s.shard); ok && !sh.Open() && !s.closed {
		s.closed = true
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// shardNow is the subscription's stream and shard as the engine holds
// them now.
func (s *Subscription) shardNow(ctx context.Context) (*Stream, Shard, error) {
	return s.e.shardIn(ctx, s.ref.Stream, s.shard, s.streamID)
}

// read reads the records that follow the position with one batch direct
// get. It returns nil when there are none and the shard is open, and
// retry when the read budget had no room (try again shortly).
func (s *Subscription) read(ctx context.Context) (*SubscriptionEvent, bool, error) {
	st, sh, err := s.shardNow(ctx)
	if err != nil {
		return nil, false, err
	}
	grant := s.e.reads.takeSize(ctx, subscribeGrant, subscribeGrant)
	if grant == nil {
		return nil, true, nil
	}
	ev, err := s.readWith(ctx, st, sh, grant)
	if err != nil || ev == nil {
		grant.release()
		return nil, false, err
	}
	s.e.mon.stream.read(st, s.shard, OpSubscribeToShard, ev.Records, ev.MillisBehindLatest)
	ev.grant = grant
	return ev, false, nil
}

func (s *Subscription) readWith(ctx context.Context, st *Stream, sh Shard, grant *readGrant) (*SubscriptionEvent, error) {
	subject := shardSubject(s.ref.Stream, s.shard)
	req := directRequest{NextFor: subject, Batch: SubscribeEventRecords, MaxBytes: SubscribeEventBytes}
	if s.pos.Kind == posTime {
		at := s.pos.At.UTC()
		req.StartTime = &at
	} else {
		req.Seq = s.pos.Seq
	}
	res, err := s.e.directGet(ctx, st.jsOf(s.shard), req)
	if err != nil {
		return nil, err
	}
	ev := &SubscriptionEvent{}
	size, beyond := 0, false
	for _, m := range res.Msgs {
		if !sh.Open() && m.Seq > sh.EndingSequence {
			beyond = true // stored after the shard closed: never part of it
			break
		}
		size += len(m.Data)
		ev.Records = append(ev.Records, StoredRecord{
			SequenceNumber:  st.SequenceNumber(sh, m.Seq),
			Arrival:         m.Time,
			Data:            m.Data,
			PartitionKey:    unescapeKey(m.Header.Get(HeaderPartitionKey)),
			ExplicitHashKey: m.Header.Get(HeaderExplicitHashKey),
		})
		s.pos = iterator{Kind: posSeq, Seq: m.Seq + 1}
		s.cont, s.contKnown = m.Seq, true
	}
	grant.shrink(int64(subscribeEncodeFactor*size + len(ev.Records)*subscribeRecordOverhead + subscribeFrameOverhead))
	if s.pacing {
		s.pace.tokens -= float64(size)
	}
	atEnd := !sh.Open() && (beyond || res.Pending == 0)
	if len(ev.Records) == 0 && !atEnd {
		return nil, nil
	}
	if atEnd {
		// The closed shard is read to its end: no continuation, its
		// children instead, and the subscription is over.
		for _, c := range st.Shards {
			if c.ParentShardID == sh.ID || c.AdjacentParentShardID == sh.ID {
				ev.ChildShards = append(ev.ChildShards, c)
			}
		}
		s.finished = true
		return ev, nil
	}
	ev.ContinuationSequenceNumber = st.SequenceNumber(sh, s.cont)
	if res.Pending > 0 {
		last, err := s.e.directGet(ctx, st.jsOf(s.shard), directRequest{LastFor: subject})
		if err != nil {
			return nil, err
		}
		if len(last.Msgs) == 1 {
			ev.MillisBehindLatest = max(0, last.Msgs[0].Time.Sub(ev.Records[len(ev.Records)-1].Arrival).Milliseconds())
		}
	}
	return ev, nil
}

// empty is an event without records: the continuation and nothing
// behind.
func (s *Subscription) empty(ctx context.Context) (*SubscriptionEvent, error) {
	cont, err := s.continuation(ctx)
	if err != nil {
		return nil, err
	}
	st, sh, err := s.shardNow(ctx)
	if err != nil {
		return nil, err
	}
	s.sent = true
	return &SubscriptionEvent{Records: []StoredRecord{}, ContinuationSequenceNumber: st.SequenceNumber(sh, cont)}, nil
}

// continuation is the sequence number that resumes at the position with
// AFTER_SEQUENCE_NUMBER: the last record delivered, else the last record
// of the shard before the position, else the shard's starting sequence
// minus one, which GetShardIterator takes as the point before the shard's
// first record. (The sequence just before the position may be another
// shard's record, which AWS's checks refuse for this shard.)
func (s *Subscription) continuation(ctx context.Context) (uint64, error) {
	if s.contKnown {
		return s.cont, nil
	}
	st, sh, err := s.shardNow(ctx)
	if err != nil {
		return 0, err
	}
	req := directRequest{MultiLastFor: []string{shardSubject(s.ref.Stream, s.shard)}}
	switch {
	case s.pos.Kind == posTime:
		at := s.pos.At.UTC()
		req.UpToTime = &at
	case s.pos.Seq > sh.StartingSequence:
		req.UpToSeq = s.pos.Seq - 1
	default:
		s.cont, s.contKnown = sh.StartingSequence-1, true
		return s.cont, nil
	}
	res, err := s.e.directGet(ctx, st.jsOf(s.shard), req)
	if err != nil {
		return 0, err
	}
	cont := sh.StartingSequence - 1
	if len(res.Msgs) == 1 {
		cont = max(cont, res.Msgs[0].Seq)
	}
	// A time position keeps looking: records before a future time may
	// still come (and are not delivered).
	s.cont, s.contKnown = cont, s.pos.Kind == posSeq
	return cont, nil
}
