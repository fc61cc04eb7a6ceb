package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Limits.
const (
	DefaultMemoryBytes    = 64 << 20 // per instance
	DefaultTimeout        = 10 * time.Second
	DefaultMaxOutputBytes = 6 << 20 // Lambda's payload limit
	// MaxTimeout is the longest Limits.Timeout, Lambda's 15 minutes.
	MaxTimeout = 15 * time.Minute
)

// Ref names a module version, as in `enrich@3`.
type Ref struct {
	Name    string
	Version int
}

// String returns name@version.
func (r Ref) String() string { return fmt.Sprintf("%s@%d", r.Name, r.Version) }

// ModuleConfig is what a pipeline allows a module.
type ModuleConfig struct {
	Limits Limits
	Grants Grants
}

// Limits bound a module; zero fields take the defaults.
type Limits struct {
	// MemoryBytes caps each instance's linear memory (rounded down to 64 KiB
	// pages). Default DefaultMemoryBytes.
	MemoryBytes uint64
	// Timeout bounds one call (one batch), up to MaxTimeout. Default
	// DefaultTimeout.
	Timeout time.Duration
	// MaxOutputBytes caps the answer to one batch. Default DefaultMaxOutputBytes.
	MaxOutputBytes int64
	// Instances is how many instances may exist (and batches run) at once.
	// Default GOMAXPROCS.
	Instances int
}

// Grants are the host capabilities a module may use; the default is none.
type Grants struct {
	// Log lets the module write to the host log with sluice.log.
	Log bool
	// KVBuckets are the JetStream key-value buckets kv_get may read; each
	// must pass CheckBucketGrant (Sluice's own buckets are never granted).
	KVBuckets []string
	// Env is the module's whole environment (its parameters).
	Env map[string]string
}

func (c *ModuleConfig) applyDefaults(maxMem uint64) error {
	l := &c.Limits
	if l.MemoryBytes == 0 {
		l.MemoryBytes = min(DefaultMemoryBytes, maxMem)
	}
	l.MemoryBytes = l.MemoryBytes / wasmPage * wasmPage
	if l.MemoryBytes == 0 || l.MemoryBytes > maxMem {
		return fmt.Errorf("memory limit %d bytes is outside [64 KiB, %d bytes]", c.Limits.MemoryBytes, maxMem)
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxOutputBytes == 0 {
		l.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if l.Instances == 0 {
		l.Instances = goruntime.GOMAXPROCS(0)
	}
	if l.Timeout > MaxTimeout {
		return fmt.Errorf("timeout %s is over the maximum %s", l.Timeout, MaxTimeout)
	}
	if l.Timeout < 0 || l.MaxOutputBytes < 0 || l.MaxOutputBytes > 1<<31 || l.Instances < 0 {
		return fmt.Errorf("invalid limits %+v", *l)
	}
	return nil
}

// Module is a loaded module version, ready to transform batches. It is safe
// for concurrent use: up to Limits.Instances batches run at once, the rest
// wait.
type Module struct {
	r       *Runtime
	ref     Ref
	c       *compiled
	cfg     ModuleConfig
	logger  *slog.Logger
	buckets map[string]struct{}
	pool    *pool

	// done is canceled by Close and stops every call in flight.
	done   context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup

	// memBytes is the linear memory of the live SDK instances (metrics.go).
	memBytes atomic.Int64
}

// Load compiles wasm (once per distinct module, through the cache) and
// prepares a Module named ref. Instances are created lazily, on demand.
func (r *Runtime) Load(ctx context.Context, ref Ref, wasm []byte, cfg ModuleConfig) (*Module, error) {
	if ref.Name == "" || ref.Version < 0 {
		return nil, fmt.Errorf("load %s: invalid module reference", ref)
	}
	if err := cfg.applyDefaults(r.maxMem); err != nil {
		return nil, fmt.Errorf("load %s: %w", ref, err)
	}
	for _, b := range cfg.Grants.KVBuckets {
		if err := CheckBucketGrant(b); err != nil {
			return nil, fmt.Errorf("load %s: %w", ref, err)
		}
	}
	c, err := r.acquire(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", ref, err)
	}
	if c.info.MinMemoryBytes > cfg.Limits.MemoryBytes {
		r.release(ctx, c)
		return nil, fmt.Errorf("load %s: %w: it needs %d bytes of memory to start; its limit is %d",
			ref, ErrInvalidModule, c.info.MinMemoryBytes, cfg.Limits.MemoryBytes)
	}
	m := &Module{
		r:       r,
		ref:     ref,
		c:       c,
		cfg:     cfg,
		logger:  r.logger.With(slog.String("module", ref.Name), slog.Int("version", ref.Version)),
		buckets: make(map[string]struct{}, len(cfg.Grants.KVBuckets)),
		pool:    newPool(cfg.Limits.Instances),
	}
	for _, b := range cfg.Grants.KVBuckets {
		m.buckets[b] = struct{}{}
	}
	m.done, m.cancel = context.WithCancel(context.Background())
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		r.release(ctx, c)
		return nil, fmt.Errorf("load %s: runtime %w", ref, ErrClosed)
	}
	r.modules[m] = struct{}{}
	r.mu.Unlock()
	return m, nil
}

// Ref returns the module's name and version.
func (m *Module) Ref() Ref { return m.ref }

// Info returns what Inspect says about the module.
func (m *Module) Info() Info { return m.c.info.clone() }

// Transform runs one batch through the module and returns its validated
// answer. A failure is a *TransformError; a trap, timeout or anything that
// may have left the instance broken discards that instance.
func (m *Module) Transform(ctx context.Context, b *Batch) (*Response, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, m.fail(ErrClosed, "module closed", nil)
	}
	m.inflight.Add(1)
	m.mu.Unlock()
	defer m.inflight.Done()
	if len(b.Records) == 0 {
		return &Response{Records: []Result{}}, nil
	}
	start := time.Now()
	var resp *Response
	var err error
	if m.c.info.Kind == KindWASICommand {
		resp, err = m.transformWASI(ctx, b)
	} else {
		resp, err = m.transformSDK(ctx, b)
	}
	m.r.met.observe(m, time.Since(start), err)
	return resp, err
}

// Close stops calls in flight, waits for them (as long as ctx allows) and
// closes every instance. A second call does nothing.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	drained := make(chan struct{})
	go func() { m.inflight.Wait(); close(drained) }()
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		err = fmt.Errorf("close %s: calls still running: %w", m.ref, ctx.Err())
	}
	m.pool.close(ctx)
	m.r.mu.Lock()
	delete(m.r.modules, m)
	last := true
	for o := range m.r.modules {
		if o.ref == m.ref {
			last = false
			break
		}
	}
	if last {
		m.r.met.forget(m.ref) // no series of a version no longer loaded
	}
	m.r.mu.Unlock()
	m.r.release(ctx, m.c)
	return err
}

// callContext derives the context of one guest call: the caller's, bounded
// by the module's timeout and stopped by Module.Close.
func (m *Module) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithTimeout(ctx, m.cfg.Limits.Timeout)
	stop := context.AfterFunc(m.done, cancel)
	return cctx, func() { stop(); cancel() }
}

// stoppable derives a context canceled by Module.Close, for waiting on
// the pool: waiting for an instance does not count against the timeout.
func (m *Module) stoppable(ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(m.done, cancel)
	return cctx, func() { stop(); cancel() }
}

// fail builds a *TransformError for this module.
func (m *Module) fail(kind error, reason string, cause error) *TransformError {
	return &TransformError{Module: m.ref.Name, Version: m.ref.Version, Reason: reason, Err: kind, cause: cause}
}

// failCall turns an error from a guest call into a *TransformError: a
// deadline, a cancellation, Close, the output cap, or a trap.
func (m *Module) failCall(ctx context.Context, st *callState, err error) *TransformError {
	switch {
	case st != nil && st.overCap > 0:
		return m.fail(ErrOutputTooLarge, fmt.Sprintf("output of %d bytes exceeds the cap of %d bytes",
			st.overCap, m.cfg.Limits.MaxOutputBytes), err)
	case m.done.Err() != nil:
		return m.fail(ErrClosed, "module closed during the call", err)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		return m.fail(ErrCanceled, "canceled by the caller", ctx.Err())
	case ctx.Err() != nil:
		return m.fail(ErrTimeout, "deadline exceeded (the caller's)", ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		return m.fail(ErrTimeout, fmt.Sprintf("deadline exceeded after %s", m.cfg.Limits.Timeout), err)
	}
	return m.fail(ErrTrap, "trap: "+trapMessage(err), err)
}
