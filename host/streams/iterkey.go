package streams

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// iteratorKeyName is the KV key (in the definitions bucket, outside
	// the "streams." keys) of the key that authenticates shard iterators.
	iteratorKeyName = "secrets.iterator-hmac"
	// iteratorKeyLen is the size of that key: 32 random bytes, the block
	// of SHA-256's output.
	iteratorKeyLen = 32
	// iteratorKeyWait bounds waiting for a replica to hold the key
	// another engine created.
	iteratorKeyWait = 30 * time.Second
)

// iteratorKey returns the HMAC key of shard iterators, made once per
// JetStream (domain): the first engine to start creates it with
// kv.Create, so engines that start together agree on one key, and every
// host on the same JetStream accepts the others' iterators.
func iteratorKey(ctx context.Context, kv jetstream.KeyValue) ([]byte, error) {
	key := make([]byte, iteratorKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("iterator key: %w", err)
	}
	_, err := kv.Create(ctx, iteratorKeyName, key)
	if err == nil {
		return key, nil
	}
	if !isCASConflict(err) {
		return nil, fmt.Errorf("iterator key: %w", err)
	}
	// It exists (the create said so), but a direct get answered by a
	// replica that has not applied it yet says not found: ask again for
	// a while (engines starting together on a loaded cluster met this).
	var entry jetstream.KeyValueEntry
	for wait := time.Now().Add(iteratorKeyWait); ; {
		entry, err = kv.Get(ctx, iteratorKeyName)
		if !errors.Is(err, jetstream.ErrKeyNotFound) || time.Now().After(wait) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("iterator key: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, fmt.Errorf("iterator key: %w", err)
	}
	if len(entry.Value()) != iteratorKeyLen {
		return nil, fmt.Errorf("iterator key: stored key has %d bytes, want %d", len(entry.Value()), iteratorKeyLen)
	}
	return entry.Value(), nil
}
