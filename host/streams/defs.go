package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// definition is one decoded stream definition at a KV revision. It is
// shared by every caller that reads it and never modified; its router of
// open shards is built on first use.
type definition struct {
	rev uint64
	s   *Stream

	once  sync.Once
	rt    *router
	rtErr error
}

// router returns the definition's router of open shards, built once.
func (d *definition) router() (*router, error) {
	d.once.Do(func() { d.rt, d.rtErr = newRouter(d.s) })
	return d.rt, d.rtErr
}

// defCache holds the decoded definitions of the streams in the KV bucket,
// so that a put or a read does not fetch and decode a definition whose
// size grows with the stream's shard history.
//
// Freshness comes from the KV: a watcher on the definition keys feeds
// every revision written by any host sharing the bucket, and this
// process's own writes are taken at the revision the KV gave them. An
// entry only ever moves to a newer revision, so the cache never serves a
// revision older than one this process has written or seen. Until the
// watcher has delivered the bucket's current state (at start and after
// the watcher is restarted), reads bypass the cache and go to the KV.
//
// Bound: at most one entry per stream definition in the bucket (entries
// go when the watcher sees a definition deleted); each holds the decoded
// definition, whose size is bounded by the open shards and the closed
// shards still within retention (older ones are pruned, see prune.go).
type defCache struct {
	mu      sync.RWMutex
	synced  bool
	seen    uint64 // the newest KV revision the watcher delivered
	entries map[string]*definition
}

// lookup returns the cached definition of name, if the cache is synced
// and holds one; a definition with a nil Stream is a deletion this
// process made, not yet seen by the watcher.
func (c *defCache) lookup(name string) (*definition, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.synced {
		return nil, false
	}
	d, ok := c.entries[name]
	return d, ok
}

// offer records a definition this process read or wrote at rev. It is
// kept unless the cache holds a newer revision of it, or (when it holds
// none) the watcher has already gone past rev: then the definition was
// deleted or replaced since, and the watcher said so.
func (c *defCache) offer(name string, rev uint64, s *Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, ok := c.entries[name]
	if ok && cur.rev >= rev || !ok && c.seen >= rev {
		return
	}
	c.entries[name] = &definition{rev: rev, s: s}
}

// newer reports whether rev of name would replace what the cache holds
// (the watcher skips decoding revisions it has already).
func (c *defCache) newer(name string, rev uint64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cur, ok := c.entries[name]
	return !ok || cur.rev < rev
}

// forget records that this process deleted the definition of name, whose
// last revision was rev: a tombstone until the watcher delivers the
// deletion, so that revisions up to rev it has yet to deliver are not
// taken for the current definition.
func (c *defCache) forget(name string, rev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.entries[name]; ok && cur.rev > rev {
		return
	}
	c.entries[name] = &definition{rev: rev}
}

// watched applies one watcher entry: a definition (s) or, when s is nil,
// its deletion, at rev.
func (c *defCache) watched(name string, rev uint64, s *Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = max(c.seen, rev)
	cur, ok := c.entries[name]
	if ok && cur.rev >= rev {
		return
	}
	if s == nil {
		delete(c.entries, name)
		return
	}
	c.entries[name] = &definition{rev: rev, s: s}
}

// setSynced marks the cache usable (the watcher delivered the current
// state) or not (the watcher is gone; its entries are dropped).
func (c *defCache) setSynced(ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.synced = ok
	if !ok {
		c.entries = map[string]*definition{}
	}
}

// snapshot returns every cached definition, or false if the cache is not
// synced.
func (c *defCache) snapshot() ([]*Stream, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.synced {
		return nil, false
	}
	out := make([]*Stream, 0, len(c.entries))
	for _, d := range c.entries {
		if d.s != nil {
			out = append(out, d.s)
		}
	}
	return out, true
}

// watchRetry is how long the engine waits before restarting a definitions
// watcher that stopped.
const watchRetry = time.Second

// watchDefinitions feeds the cache from a KV watcher until ctx ends,
// restarting the watcher if it stops. ready is closed once the first
// watcher has delivered the bucket's state (or failed to start).
func (e *Engine) watchDefinitions(ctx context.Context, ready chan<- struct{}) {
	var once sync.Once
	signal := func() { once.Do(func() { close(ready) }) }
	defer signal()
	for ctx.Err() == nil {
		err := e.watchOnce(ctx, signal)
		e.defs.setSynced(false)
		if ctx.Err() != nil {
			return
		}
		e.log.Warn("stream definitions watcher stopped; restarting", "err", err)
		signal()
		select {
		case <-ctx.Done():
			return
		case <-time.After(watchRetry):
		}
	}
}

// watchOnce runs one watcher until it stops or ctx ends.
func (e *Engine) watchOnce(ctx context.Context, synced func()) error {
	w, err := e.kv.WatchFiltered(ctx, []string{kvPrefix + ">"})
	if err != nil {
		return err
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case entry, ok := <-w.Updates():
			if !ok {
				return errors.New("watcher closed")
			}
			if entry == nil {
				e.defs.setSynced(true)
				synced()
				continue
			}
			name := nameOfKey(entry.Key())
			if entry.Operation() != jetstream.KeyValuePut {
				e.defs.watched(name, entry.Revision(), nil)
				continue
			}
			if !e.defs.newer(name, entry.Revision()) {
				continue
			}
			s, err := decodeStream(entry.Value())
			if err != nil {
				e.log.Warn("unreadable stream definition", "key", entry.Key(), "err", err)
				continue
			}
			e.defs.watched(name, entry.Revision(), s)
		}
	}
}

// definition returns the definition of name: from the cache when it
// holds it, else from the KV (then offered to the cache).
func (e *Engine) definition(ctx context.Context, name string) (*definition, error) {
	if d, ok := e.defs.lookup(name); ok {
		if d.s == nil {
			return nil, e.notFound(name)
		}
		return d, nil
	}
	return e.refresh(ctx, name)
}

// active is definition for a caller that needs an ACTIVE (or UPDATING)
// stream, one usable for records. A cached definition that says otherwise (deleted,
// being created or deleted) is checked against the KV, so that another
// host's change the watcher has yet to deliver (a create just finished)
// is not refused; that is the rare path.
func (e *Engine) active(ctx context.Context, name string) (*definition, error) {
	if d, ok := e.defs.lookup(name); ok && d.s != nil && usable(d.s) {
		return d, nil
	}
	d, err := e.refresh(ctx, name)
	if err != nil {
		return nil, err
	}
	if !usable(d.s) {
		return nil, e.notFound(name)
	}
	return d, nil
}

func usable(s *Stream) bool { return s.Status != StatusCreating && s.Status != StatusDeleting }

// refresh reads a definition from the KV and offers it to the cache.
func (e *Engine) refresh(ctx context.Context, name string) (*definition, error) {
	s, rev, err := e.fetch(ctx, name)
	if err != nil {
		return nil, err
	}
	e.defs.offer(name, rev, s)
	return &definition{rev: rev, s: s}, nil
}

// fetch reads and decodes a definition from the KV, bypassing the cache.
func (e *Engine) fetch(ctx context.Context, name string) (*Stream, uint64, error) {
	entry, err := e.kv.Get(ctx, kvKey(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, e.notFound(name)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load stream %s: %w", name, err)
	}
	s, err := decodeStream(entry.Value())
	if err != nil {
		return nil, 0, fmt.Errorf("load stream %s: %w", name, err)
	}
	return s, entry.Revision(), nil
}

func decodeStream(data []byte) (*Stream, error) {
	var s Stream
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// nameOfKey reverses kvKey.
func nameOfKey(key string) string {
	return strings.ReplaceAll(strings.TrimPrefix(key, kvPrefix), "=", ".")
}
