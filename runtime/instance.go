package runtime

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// instance is one warm SDK ABI v1 instance with its reusable buffers. Only
// one goroutine uses it at a time (the pool hands it out).
type instance struct {
	mod       api.Module
	alloc     api.Function
	transform api.Function
	stack     [2]uint64
	scratch   indexScratch
	state     callState
	stdout    *lineLogger
	stderr    *lineLogger
	memSeen   int64 // linear memory counted in the module's memBytes
}

// sandbox returns the module config every instance of m starts from: no
// arguments, no files, no network, only the granted environment; real
// clocks and random numbers.
func (m *Module) sandbox() wazero.ModuleConfig {
	cfg := wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module coexist
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	for k, v := range m.cfg.Grants.Env {
		cfg = cfg.WithEnv(k, v)
	}
	return cfg
}

// instantiateContext is the context for creating an instance: bounded like
// a call, with the module's memory limit and a call state for host
// functions the start function may use.
func (m *Module) instantiateContext(ctx context.Context, st *callState) (context.Context, context.CancelFunc) {
	cctx, cancel := m.callContext(ctx)
	cctx = experimental.WithMemoryAllocator(cctx, memoryLimit(m.cfg.Limits.MemoryBytes))
	return withCallState(cctx, st), cancel
}

// newInstance creates an SDK instance and runs its _initialize, if any.
func (m *Module) newInstance(ctx context.Context) (*instance, error) {
	in := &instance{}
	in.stdout = newLineLogger(m.logger, "stdout", &in.state.logs)
	in.stderr = newLineLogger(m.logger, "stderr", &in.state.logs)
	in.state.m = m
	cctx, cancel := m.instantiateContext(ctx, &in.state)
	defer cancel()
	defer in.state.logs.finish(m.logger)
	cfg := m.sandbox().WithStartFunctions("_initialize").WithStdout(in.stdout).WithStderr(in.stderr)
	mod, err := m.r.wz.InstantiateModule(cctx, m.c.cm, cfg)
	if err != nil {
		te := m.failCall(ctx, &in.state, err)
		if te.Err == ErrTrap {
			te.Err, te.Reason = ErrInstantiate, "instantiate: "+trapMessage(err)
		}
		return nil, te
	}
	in.mod = mod
	in.noteMemory()
	m.r.met.created.WithLabelValues(m.ref.Name, strconv.Itoa(m.ref.Version)).Inc()
	in.alloc = mod.ExportedFunction("sluice_alloc")
	in.transform = mod.ExportedFunction("sluice_transform")
	return in, nil
}

func (in *instance) close(ctx context.Context) {
	in.state.m.memBytes.Add(-in.memSeen)
	in.memSeen = 0
	_ = in.mod.Close(ctx)
	in.stdout.Flush()
	in.stderr.Flush()
}

// transformSDK runs one batch through a pooled SDK ABI v1 instance: one
// sluice_alloc and one sluice_transform call.
func (m *Module) transformSDK(ctx context.Context, b *Batch) (*Response, error) {
	wctx, stop := m.stoppable(ctx)
	in, err := m.pool.get(wctx, m.newInstance)
	stop()
	if err != nil {
		if te, ok := err.(*TransformError); ok {
			return nil, te
		}
		return nil, m.failCall(ctx, nil, err)
	}
	resp, healthy, err := m.call(ctx, in, b)
	if healthy {
		in.noteMemory()
		m.pool.put(ctx, in)
	} else {
		m.pool.discard(ctx, in)
	}
	return resp, err
}

// call runs the batch in instance in, under the module's timeout;
// healthy says whether the instance may be used again (not after a trap, a
// timeout or a bad pointer).
func (m *Module) call(ctx context.Context, in *instance, b *Batch) (resp *Response, healthy bool, err error) {
	if err := in.scratch.reset(b); err != nil {
		return nil, true, fmt.Errorf("transform %s: %w: %v", m.ref, ErrInvalidBatch, err)
	}
	in.state.reset()
	defer in.state.logs.finish(m.logger)
	cctx, cancel := m.callContext(ctx)
	defer cancel()
	cctx = withCallState(cctx, &in.state)

	// Ask the guest for a buffer of the encoding's exact size and encode
	// straight into it: one copy of the batch, no host-side buffer.
	n := encodedBatchSize(b)
	if uint64(n) > math.MaxUint32 {
		return nil, true, fmt.Errorf("transform %s: %w: batch encodes to %d bytes, more than a 32-bit guest can address", m.ref, ErrInvalidBatch, n)
	}
	size := uint32(n)
	in.stack[0] = uint64(size)
	if err := in.alloc.CallWithStack(cctx, in.stack[:]); err != nil {
		return nil, false, m.failCall(ctx, &in.state, err)
	}
	ptr := api.DecodeU32(in.stack[0])
	if ptr == 0 {
		return nil, true, m.fail(ErrGuest, fmt.Sprintf("guest could not allocate %d bytes", size), nil)
	}
	// The view is taken after sluice_alloc returned (it may have grown the
	// memory) and used before the guest runs again.
	dst, ok := in.mod.Memory().Read(ptr, size)
	if !ok {
		return nil, false, m.fail(ErrABIViolation,
			fmt.Sprintf("sluice_alloc(%d) returned %d, outside memory of %d bytes", size, ptr, in.mod.Memory().Size()), nil)
	}
	if !encodeBatch(dst, b) {
		// Unreachable while encodedBatchSize matches appendBatch (tested).
		return nil, false, fmt.Errorf("transform %s: %w: batch encoding is not the %d bytes sized for it", m.ref, ErrInvalidBatch, size)
	}
	in.stack[0], in.stack[1] = uint64(ptr), uint64(size)
	if err := in.transform.CallWithStack(cctx, in.stack[:]); err != nil {
		return nil, false, m.failCall(ctx, &in.state, err)
	}
	switch ret := int32(api.DecodeU32(in.stack[0])); ret {
	case 0:
	case 1:
		msg := strings.ToValidUTF8(string(in.state.out), "\uFFFD")
		if msg == "" {
			msg = "(no message)"
		}
		return nil, true, m.fail(ErrGuest, "guest error: "+msg, nil)
	default:
		return nil, true, m.fail(ErrABIViolation, fmt.Sprintf("sluice_transform returned %d", ret), nil)
	}
	if !in.state.outSet {
		return nil, true, m.fail(ErrABIViolation, "guest returned no output", nil)
	}
	resp, err = decodeResponse(in.state.out, &in.scratch)
	if err != nil {
		return nil, true, m.fail(ErrMalformedOutput, err.Error(), err)
	}
	if err := validate(resp, &in.scratch); err != nil {
		return nil, true, m.fail(ErrBadAnswer, err.Error(), nil)
	}
	in.state.out = nil // the response owns it now
	return resp, true, nil
}

// trapMessage is the first line of a wazero call error, without wazero's
// "(recovered by wazero)" note: `wasm error: unreachable`.
func trapMessage(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, " (recovered by wazero)")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}
