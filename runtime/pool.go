package runtime

import (
	"context"
	"sync"
)

// pool bounds how many instances of a module exist at once and keeps the
// idle ones warm. Instances are made lazily up to the bound and handed out
// one caller at a time. A channel, not a sync.Pool: the GC must never drop
// an instance without closing it.
type pool struct {
	idle  chan *instance // warm instances, at most cap(slots)
	slots chan struct{}  // one token per live instance (or running WASI command)

	mu     sync.Mutex
	closed bool
}

func newPool(size int) *pool {
	return &pool{idle: make(chan *instance, size), slots: make(chan struct{}, size)}
}

// get returns a warm instance, or makes one with create when the pool is
// below its bound, or waits for one to come back.
func (p *pool) get(ctx context.Context, create func(context.Context) (*instance, error)) (*instance, error) {
	select {
	case in := <-p.idle:
		return in, nil
	default:
	}
	select {
	case in := <-p.idle:
		return in, nil
	case p.slots <- struct{}{}:
		in, err := create(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return in, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put returns a healthy instance to the pool; after close it is closed.
func (p *pool) put(ctx context.Context, in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.discardLocked(ctx, in)
		return
	}
	p.idle <- in // never blocks: at most cap(slots) instances exist
}

// discard closes a broken instance and frees its slot.
func (p *pool) discard(ctx context.Context, in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.discardLocked(ctx, in)
}

func (p *pool) discardLocked(ctx context.Context, in *instance) {
	in.close(ctx)
	<-p.slots
}

// acquireSlot takes a slot without an instance (WASI commands).
func (p *pool) acquireSlot(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pool) releaseSlot() { <-p.slots }

// close closes the idle instances; instances still in use are closed when
// they come back.
func (p *pool) close(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for {
		select {
		case in := <-p.idle:
			p.discardLocked(ctx, in)
		default:
			return
		}
	}
}
