package streams

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/jsretry"
)

// The registry of open subscriptions: one KV key per consumer and shard
// subscribed, in a bucket of its own, so that every host on the same
// JetStream sees the others' subscriptions.
const (
	// leaseBucket holds the subscriptions' leases.
	leaseBucket = "sluice_kinesis_subscriptions"
	// leaseTTL is the bucket's MaxAge: longer than any subscription lasts
	// (MaxSubscriptionDuration), so a live lease never ages out, while
	// what a host that crashed left behind goes by itself.
	leaseTTL = time.Hour
	// SubscriptionTakeover is AWS's rule for a second SubscribeToShard of
	// the same consumer and shard: within this time of the first it is
	// refused (ResourceInUseException); later it takes the subscription
	// over, and the first ends with ResourceInUseException.
	SubscriptionTakeover = 5 * time.Second
	// leaseWriteRetries bounds the compare-and-set attempts of a takeover.
	leaseWriteRetries = 4
)

// leaseValue is what a lease key holds.
type leaseValue struct {
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
	Host    string    `json:"host,omitempty"`
}

// lease is a subscription's hold on its key.
type lease struct {
	key string
	id  string
	rev uint64
}

// leaseState is what a lease check found.
type leaseState int

const (
	leaseHeld  leaseState = iota
	leaseTaken            // another subscription took it over
	leaseGone             // removed: the consumer or the stream went
)

func leaseToken(s string) string { return strings.ReplaceAll(s, ".", "=") }

// leasePrefix starts the keys of a stream's leases, or of one consumer's
// when consumer is not empty.
func leasePrefix(stream, consumer string) string {
	p := leaseToken(stream) + "."
	if consumer != "" {
		p += leaseToken(consumer) + "."
	}
	return p
}

func leaseKey(stream, consumer, shard string) string {
	return leasePrefix(stream, consumer) + leaseToken(shard)
}

// openLeases opens (or creates) the lease bucket, with replicas copies.
func openLeases(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := jsretry.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      leaseBucket,
		Description: "Sluice SubscribeToShard subscriptions in progress",
		History:     1,
		TTL:         leaseTTL,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("streams: subscriptions bucket: %w", err)
	}
	return kv, nil
}

// acquireLease takes the key of a consumer's subscription to a shard: it
// creates it, or takes it over from a subscription older than
// SubscriptionTakeover. arn names the consumer in the refusal.
func (e *Engine) acquireLease(ctx context.Context, key, arn string) (*lease, error) {
	host, _ := os.Hostname()
	v := leaseValue{ID: rand.Text(), Started: e.now().UTC(), Host: host}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	inUse := errorf(ErrInUse, "Another active subscription exists for this consumer: %s.", arn)
	for range leaseWriteRetries {
		rev, err := e.subs.leases.Create(ctx, key, data)
		if err == nil {
			return &lease{key: key, id: v.ID, rev: rev}, nil
		}
		if !isCASConflict(err) {
			return nil, e.orStorage(fmt.Errorf("subscription lease: %w", err))
		}
		entry, err := e.subs.leases.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("subscription lease: %w", err)
		}
		var old leaseValue
		if json.Unmarshal(entry.Value(), &old) == nil && e.now().Sub(old.Started) < SubscriptionTakeover {
			return nil, inUse
		}
		rev, err = e.subs.leases.Update(ctx, key, data, entry.Revision())
		if err == nil {
			return &lease{key: key, id: v.ID, rev: rev}, nil
		}
		if !isCASConflict(err) {
			return nil, e.orStorage(fmt.Errorf("subscription lease: %w", err))
		}
	}
	return nil, inUse
}

// checkLease says whether l still holds its key.
func (e *Engine) checkLease(ctx context.Context, l *lease) (leaseState, error) {
	entry, err := e.subs.leases.Get(ctx, l.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return leaseGone, nil
	}
	if err != nil {
		return leaseHeld, err
	}
	var v leaseValue
	if err := json.Unmarshal(entry.Value(), &v); err != nil || v.ID != l.id {
		return leaseTaken, nil
	}
	return leaseHeld, nil
}

// releaseLease removes l's key unless another subscription took it over.
func (e *Engine) releaseLease(l *lease) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultRequestTimeout)
	defer cancel()
	err := e.subs.leases.Delete(ctx, l.key, jetstream.LastRevision(l.rev))
	if err != nil && !isCASConflict(err) && !errors.Is(err, jetstream.ErrKeyNotFound) {
		e.log.Debug("releasing a subscription lease", "key", l.key, "err", err)
	}
}

// dropLeases removes every lease under prefix (a deregistered consumer's,
// a deleted stream's), so their subscriptions end; best effort.
func (e *Engine) dropLeases(ctx context.Context, prefix string) {
	lister, err := e.subs.leases.ListKeysFiltered(ctx, prefix+">")
	if err != nil {
		e.log.Warn("ending the subscriptions of a removed consumer", "prefix", prefix, "err", err)
		return
	}
	var keys []string
	for k := range lister.Keys() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if err := e.subs.leases.Purge(ctx, k); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			e.log.Warn("ending a subscription of a removed consumer", "key", k, "err", err)
		}
	}
}
