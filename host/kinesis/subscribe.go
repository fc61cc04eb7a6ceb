package kinesis

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// OpSubscribeToShard is the operation whose answer is a long-lived event
// stream: the server gives it a request limiter of its own.
const OpSubscribeToShard = "SubscribeToShard"

// Exception names of SubscribeToShard's event stream that are not the
// API's errors.
const internalFailureException = "InternalFailureException"

const (
	// eventWriteTimeout bounds the write of one event: a client that
	// does not take an event in this time is cut off (the subscription's
	// bytes in the read budget are given back).
	eventWriteTimeout = time.Minute
)

type startingPosition struct {
	Type           string        `json:"Type"`
	SequenceNumber string        `json:"SequenceNumber"`
	Timestamp      *awsjson.Time `json:"Timestamp"`
}

type subscribeInput struct {
	ConsumerARN      string            `json:"ConsumerARN"`
	ShardId          string            `json:"ShardId"`
	StartingPosition *startingPosition `json:"StartingPosition"`
}

func (a *api) subscribeToShard(ctx context.Context, in *subscribeInput) (*subscription, error) {
	p := in.StartingPosition
	req := streams.IteratorRequest{Type: p.Type, StartingSequenceNumber: p.SequenceNumber}
	if p.Timestamp != nil {
		req.Timestamp = &p.Timestamp.Time
	}
	sub, err := a.e.Subscribe(ctx, in.ConsumerARN, in.ShardId, req)
	if err != nil {
		return nil, err
	}
	return &subscription{sub: sub, encryption: a.keyEncryption(), log: a.log}, nil
}

// subscription is SubscribeToShard's answer: an event stream written
// for as long as the subscription lasts (awsjson.Responder).
type subscription struct {
	sub        *streams.Subscription
	encryption string
	log        *slog.Logger
}

var (
	_ awsjson.Responder = (*subscription)(nil)
	_ io.Closer         = (*subscription)(nil)
)

// Close ends the subscription (again).
func (s *subscription) Close() error {
	s.sub.Close()
	return nil
}

// Respond writes the event stream: the initial-response event, then one
// SubscribeToShardEvent per batch of records (or heartbeat), flushed
// each, until the subscription ends, cleanly (its duration, the end of a
// closed shard: the stream just ends) or with an exception event.
//
// The server's write timeout is for ordinary answers (it would cut the
// connection on HTTP/1.1, reset the stream on HTTP/2): this one moves its
// own write deadline before each event. (Its read timeout does not
// matter: net/http stops it once the request's body is read.)
func (s *subscription) Respond(w http.ResponseWriter, r *http.Request) {
	defer s.sub.Close()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", EventStreamContentType)
	// The answer's own content type is the event stream's; the SDKs read
	// the events' payloads by each message's :content-type header.
	w.WriteHeader(http.StatusOK)
	ew := eventWriter{w: w, cbor: awsjson.ProtocolOf(r) == awsjson.CBOR}
	send := func(write func() error) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if err := write(); err != nil {
			s.log.Debug("subscription write", "err", err)
			return false
		}
		if err := rc.Flush(); err != nil {
			s.log.Debug("subscription flush", "err", err)
			return false
		}
		return true
	}
	if !send(func() error { return ew.initialResponse() }) {
		return
	}
	ctx := r.Context()
	for {
		ev, err := s.sub.Next(ctx)
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			return
		}
		if err != nil {
			name, msg := streamException(err)
			if name == internalFailureException {
				s.log.Error("subscription failed", "err", err)
			}
			send(func() error { return ew.exception(name, msg) })
			return
		}
		ok := send(func() error { return ew.shardEvent(ev, s.encryption) })
		last := ev.ContinuationSequenceNumber == ""
		ev.Release()
		if !ok || last {
			return
		}
	}
}

// streamException is the exception event of an error that ends a
// subscription: a member of SubscribeToShard's event stream union.
func streamException(err error) (name, msg string) {
	switch name, _ = errorKind(err); name {
	case ResourceNotFound, ResourceInUse:
		return name, message(err)
	}
	return internalFailureException, "Internal service failure."
}

// registerFanOut registers the enhanced fan-out operations.
func registerFanOut(m *awsjson.Mux, a *api) {
	handle(m, "RegisterStreamConsumer", a.registerConsumer)
	handle(m, "DescribeStreamConsumer", a.describeConsumer)
	handle(m, "ListStreamConsumers", a.listConsumers)
	handle(m, "DeregisterStreamConsumer", a.deregisterConsumer)
	handle(m, OpSubscribeToShard, a.subscribeToShard)
}

// WithLogger gives the API a logger (for subscriptions that fail midway,
// after their answer started); the default discards.
func WithLogger(l *slog.Logger) Option { return func(a *api) { a.log = l } }
