package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Runtime runs transform modules. Make one per host: it owns one wazero
// runtime, the compilation cache and the host functions; it is safe for
// concurrent use.
type Runtime struct {
	wz       wazero.Runtime
	cache    wazero.CompilationCache
	logger   *slog.Logger
	kv       *kvReader
	maxMem   uint64
	wasiDefs map[string]struct{} // function names of wasi_snapshot_preview1

	mu       sync.Mutex
	closed   bool
	compiled map[string]*compiled // by sha256 of the wasm
	modules  map[*Module]struct{}
	met      *metrics
}

// compiled is one compiled module shared by every Inspect and Load of the
// same bytes; it is closed when its last user lets go.
type compiled struct {
	key   string
	ready chan struct{} // closed once cm, info and err are set
	cm    wazero.CompiledModule
	info  Info
	err   error
	refs  int
}

// New creates a Runtime. Close it to release every module and instance.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	o := options{maxMemoryBytes: DefaultMaxMemoryBytes}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	var cache wazero.CompilationCache
	if o.cacheDir != "" {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(o.cacheDir); err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", o.cacheDir, err)
		}
	} else {
		cache = wazero.NewCompilationCache()
	}
	cfg := wazero.NewRuntimeConfig(). // the compiler where the platform has one
						WithCompilationCache(cache).
						WithCloseOnContextDone(true).
						WithMemoryLimitPages(uint32(o.maxMemoryBytes / wasmPage))
	r := &Runtime{
		wz:       wazero.NewRuntimeWithConfig(ctx, cfg),
		cache:    cache,
		logger:   o.logger,
		kv:       newKVReader(o.js),
		maxMem:   o.maxMemoryBytes,
		compiled: make(map[string]*compiled),
		modules:  make(map[*Module]struct{}),
		met:      newMetrics(),
	}
	if err := r.instantiateHostModules(ctx); err != nil {
		_ = r.wz.Close(ctx)
		_ = cache.Close(ctx)
		return nil, err
	}
	return r, nil
}

func (r *Runtime) instantiateHostModules(ctx context.Context) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r.wz); err != nil {
		return fmt.Errorf("instantiate WASI: %w", err)
	}
	r.wasiDefs = make(map[string]struct{})
	for name := range r.wz.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions() {
		r.wasiDefs[name] = struct{}{}
	}
	if err := instantiateSluice(ctx, r); err != nil {
		return fmt.Errorf("instantiate host functions: %w", err)
	}
	return nil
}

// MaxMemoryBytes is the ceiling on any instance's memory (see
// WithMaxMemoryBytes): Load refuses Limits.MemoryBytes above it, and
// callers that validate a module's limits before loading it ask here.
func (r *Runtime) MaxMemoryBytes() uint64 { return r.maxMem }

// Close closes every loaded module and their instances, then the wazero
// runtime and the cache. Calls in flight are stopped.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	mods := make([]*Module, 0, len(r.modules))
	for m := range r.modules {
		mods = append(mods, m)
	}
	r.mu.Unlock()
	var errs []error
	for _, m := range mods {
		errs = append(errs, m.Close(ctx))
	}
	errs = append(errs, r.wz.Close(ctx), r.cache.Close(ctx))
	return errors.Join(errs...)
}

// acquire compiles wasm through the cache, or shares the compilation of the
// same bytes already in use, and classifies it. Pair with release.
func (r *Runtime) acquire(ctx context.Context, wasm []byte) (*compiled, error) {
	if !hasWasmMagic(wasm) {
		return nil, fmt.Errorf("%w: it does not start with the WebAssembly magic \\0asm", ErrNotWasm)
	}
	sum := sha256.Sum256(wasm)
	key := hex.EncodeToString(sum[:])
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("runtime: %w", ErrClosed)
	}
	c := r.compiled[key]
	if c != nil {
		c.refs++
		r.mu.Unlock()
		select {
		case <-c.ready:
		case <-ctx.Done():
			r.release(ctx, c)
			return nil, ctx.Err()
		}
		if c.err != nil {
			return nil, c.err
		}
		return c, nil
	}
	c = &compiled{key: key, ready: make(chan struct{}), refs: 1}
	r.compiled[key] = c
	r.mu.Unlock()

	c.cm, c.err = r.wz.CompileModule(ctx, wasm)
	if c.err != nil {
		c.err = fmt.Errorf("%w: %v", ErrNotWasm, c.err)
	} else if c.info, c.err = r.classify(c.cm); c.err != nil {
		_ = c.cm.Close(ctx)
	}
	c.info.Size, c.info.SHA256 = len(wasm), key
	if c.err != nil {
		r.mu.Lock()
		delete(r.compiled, key)
		r.mu.Unlock()
	}
	close(c.ready)
	if c.err != nil {
		return nil, c.err
	}
	return c, nil
}

// release drops one reference to c, closing it after the last.
func (r *Runtime) release(ctx context.Context, c *compiled) {
	r.mu.Lock()
	c.refs--
	last := c.refs == 0 && r.compiled[c.key] == c
	if last {
		delete(r.compiled, c.key)
	}
	r.mu.Unlock()
	if last && c.err == nil {
		<-c.ready
		_ = c.cm.Close(ctx)
	}
}

// Inspect compiles wasm (through the cache) and says what kind of module it
// is, without running it. It fails with ErrNotWasm, ErrUnknownABI,
// ErrUnsupportedABIVersion or ErrInvalidModule.
func (r *Runtime) Inspect(ctx context.Context, wasm []byte) (Info, error) {
	c, err := r.acquire(ctx, wasm)
	if err != nil {
		return Info{}, err
	}
	defer r.release(ctx, c)
	return c.info.clone(), nil
}

func hasWasmMagic(b []byte) bool {
	return len(b) >= 8 && string(b[:4]) == "\x00asm"
}
