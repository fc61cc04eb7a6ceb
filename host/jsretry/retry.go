package jsretry

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// AttemptTimeout bounds one attempt; an attempt that takes longer is
// abandoned and made again.
const AttemptTimeout = 3 * time.Second

// DefaultLimit bounds all attempts when ctx has no deadline of its own.
const DefaultLimit = 2 * time.Minute

// Do runs op until it succeeds, fails with an error that is not a
// timeout or a missing leader, or ctx (or DefaultLimit) ends; it returns
// op's last error.
func Do(ctx context.Context, op func(ctx context.Context) error) error {
	return do(ctx, op, transient)
}

// do is Do with retry deciding which errors are retried.
func do(ctx context.Context, op func(ctx context.Context) error, retry func(error) bool) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultLimit)
		defer cancel()
	}
	for {
		actx, cancel := context.WithTimeout(ctx, AttemptTimeout)
		err := op(actx)
		cancel()
		if err == nil || !retry(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// clusterNotAvailable is JetStream's "JetStream system temporarily
// unavailable" (JSClusterNotAvailErr): no meta leader yet.
const clusterNotAvailable jetstream.ErrorCode = 10008

// transient reports whether err says the cluster did not answer in time,
// or has no leader yet, rather than answering no.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == clusterNotAvailable
}

// noPeers is JetStream's "no suitable peers for placement": a replicated
// stream or bucket asked for before enough of the cluster's nodes have
// joined (or while one is offline).
const noPeers jetstream.ErrorCode = 10005

// placing is transient, and also noPeers: the helpers below make
// Sluice's own streams and buckets, mostly at start, when a node that
// got its meta leader with a bare majority may not know every peer yet
// (nodes started together on loaded cores). Within the limit the peers
// come; past it the error says which is missing (a cluster smaller than
// --replicas, a node down).
func placing(err error) bool {
	var apiErr *jetstream.APIError
	return transient(err) || errors.As(err, &apiErr) && apiErr.ErrorCode == noPeers
}

// KeyValue creates the bucket, or updates it to cfg, retrying as Do does.
func KeyValue(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	err := do(ctx, func(ctx context.Context) (err error) {
		kv, err = js.CreateOrUpdateKeyValue(ctx, cfg)
		return err
	}, placing)
	return kv, err
}

// ObjectStore creates the object store, or updates it to cfg, retrying
// as Do does.
func ObjectStore(ctx context.Context, js jetstream.JetStream, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	var os jetstream.ObjectStore
	err := do(ctx, func(ctx context.Context) (err error) {
		os, err = js.CreateOrUpdateObjectStore(ctx, cfg)
		return err
	}, placing)
	return os, err
}

// Stream creates the stream, or updates it to cfg, retrying as Do does.
func Stream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	var st jetstream.Stream
	err := do(ctx, func(ctx context.Context) (err error) {
		st, err = js.CreateOrUpdateStream(ctx, cfg)
		return err
	}, placing)
	return st, err
}

// Unavailable reports whether err is JetStream not answering now: a
// request that timed out or found no responder, or JetStream saying it is
// temporarily unavailable, as during a leader election on a cluster or
// with a majority of its nodes down. A client should retry; it is no
// fault of the request, nor a server bug. The REST API answers it 503
// Unavailable, the Kinesis and Firehose APIs ServiceUnavailable (503).
func Unavailable(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		(errors.As(err, &apiErr) && apiErr.Code == http.StatusServiceUnavailable)
}
