package rest

import (
	"context"
	"errors"
	"sync"

	"github.com/sluice-io/sluice/runtime"
)

// loadedModules keeps the modules invoke has loaded, per version and
// parameters, up to a count; beyond it the least recently used is closed.
// A module is closed only once no call uses it: eviction and removal mark
// it, the last release closes it.
type loadedModules struct {
	rt  *runtime.Runtime
	max int

	mu      sync.Mutex
	closed  bool
	tick    uint64
	entries map[loadedKey]*loadedModule
}

type loadedKey struct {
	ref runtime.Ref
	env string
}

type loadedModule struct {
	key     loadedKey
	ready   chan struct{} // closed once m or err is set
	m       *runtime.Module
	err     error
	refs    int    // calls using m, plus one while loading
	lastUse uint64 // tick of the last get
	dropped bool   // out of entries: close at the last release
}

func newLoadedModules(rt *runtime.Runtime, max int) *loadedModules {
	return &loadedModules{rt: rt, max: max, entries: make(map[loadedKey]*loadedModule)}
}

// get returns the loaded module ref with env, loading it with the wasm
// fetch returns when it is not loaded yet. Call release when done with it.
func (l *loadedModules) get(ctx context.Context, ref runtime.Ref, env map[string]string,
	fetch func() ([]byte, error)) (*runtime.Module, func(), error) {
	key := loadedKey{ref: ref, env: envKey(env)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, nil, runtime.ErrClosed
	}
	l.tick++
	e := l.entries[key]
	if e != nil {
		e.refs++
		e.lastUse = l.tick
		l.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			l.release(e)
			return nil, nil, ctx.Err()
		}
		if e.err != nil {
			l.release(e)
			return nil, nil, e.err
		}
		return e.m, func() { l.release(e) }, nil
	}
	e = &loadedModule{key: key, ready: make(chan struct{}), refs: 1, lastUse: l.tick}
	l.entries[key] = e
	evicted := l.evictLocked()
	l.mu.Unlock()
	closeAll(evicted)

	wasm, err := fetch()
	if err == nil {
		e.m, e.err = l.rt.Load(ctx, ref, wasm, runtime.ModuleConfig{Grants: runtime.Grants{Env: env}})
	} else {
		e.err = err
	}
	if e.err != nil {
		l.mu.Lock()
		l.dropLocked(e) // a failed load is not kept: the next get tries again
		l.mu.Unlock()
	}
	close(e.ready)
	if e.err != nil {
		l.release(e)
		return nil, nil, e.err
	}
	return e.m, func() { l.release(e) }, nil
}

// release ends one use of e, closing its module if it was dropped and
// this was the last use.
func (l *loadedModules) release(e *loadedModule) {
	l.mu.Lock()
	e.refs--
	last := e.refs == 0 && e.dropped
	l.mu.Unlock()
	if last && e.m != nil {
		_ = e.m.Close(context.Background()) // no call is in flight
	}
}

// dropLocked takes e out of the entries; its last release closes it.
func (l *loadedModules) dropLocked(e *loadedModule) {
	if l.entries[e.key] == e {
		delete(l.entries, e.key)
	}
	e.dropped = true
}

// evictLocked drops least recently used modules until at most max are
// kept, and returns those no call uses, to be closed after unlocking. A
// module still loading is never the one evicted.
func (l *loadedModules) evictLocked() (unused []*runtime.Module) {
	for len(l.entries) > l.max {
		var victim *loadedModule
		for _, e := range l.entries {
			if !e.isReady() {
				continue
			}
			if victim == nil || e.lastUse < victim.lastUse {
				victim = e
			}
		}
		if victim == nil {
			return unused
		}
		l.dropLocked(victim)
		if victim.refs == 0 && victim.m != nil {
			unused = append(unused, victim.m)
		}
	}
	return unused
}

// isReady says whether e has finished loading (so e.m and e.err may be read).
func (e *loadedModule) isReady() bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

// closeAll closes modules no call uses.
func closeAll(mods []*runtime.Module) {
	for _, m := range mods {
		_ = m.Close(context.Background())
	}
}

// forget drops every loaded module of the given versions (with any
// parameters), as when they are removed from the registry.
func (l *loadedModules) forget(refs []runtime.Ref) {
	if len(refs) == 0 {
		return
	}
	gone := make(map[runtime.Ref]bool, len(refs))
	for _, r := range refs {
		gone[r] = true
	}
	var closeNow []*runtime.Module
	l.mu.Lock()
	for _, e := range l.entries {
		if gone[e.key.ref] {
			l.dropLocked(e)
			// A module still loading is closed by its loader's release.
			if e.refs == 0 && e.isReady() && e.m != nil {
				closeNow = append(closeNow, e.m)
			}
		}
	}
	l.mu.Unlock()
	closeAll(closeNow)
}

// close closes every loaded module, stopping calls in flight; later gets fail.
func (l *loadedModules) close(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	var mods []*runtime.Module
	for _, e := range l.entries {
		// A module still loading is closed by its loader's release.
		if e.isReady() && e.m != nil {
			mods = append(mods, e.m)
		}
		l.dropLocked(e)
	}
	l.mu.Unlock()
	var errs []error
	for _, m := range mods {
		errs = append(errs, m.Close(ctx))
	}
	return errors.Join(errs...)
}

// len says how many modules are kept loaded.
func (l *loadedModules) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}
