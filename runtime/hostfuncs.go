package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"unicode/utf16"

	"github.com/tetratelabs/wazero/api"
)

// callState is what host functions need to know about the call in
// progress: the module (grants, limits, logger) and the answer. It travels
// in the call's context, so one host module serves every instance.
type callState struct {
	m       *Module
	out     []byte // the last set_output, copied out of guest memory
	outSet  bool
	overCap uint32 // the length of a set_output over the cap, or 0
	logs    logBudget
}

func (s *callState) reset() {
	s.out, s.outSet, s.overCap = nil, false, 0
}

type callStateKey struct{}

func withCallState(ctx context.Context, s *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, s)
}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	if s == nil {
		// Only reachable by calling an export without going through Module.
		panic(fmt.Errorf("sluice host function called outside a transform"))
	}
	return s
}

// read returns the guest bytes at (ptr, len) or traps the call.
func read(mod api.Module, fn string, ptr, n uint32) []byte {
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		panic(errOutside(fn, ptr, n, mod))
	}
	return b
}

func errOutside(fn string, ptr, n uint32, mod api.Module) error {
	return fmt.Errorf("%s: buffer (ptr=%d, len=%d) outside memory of %d bytes", fn, ptr, n, mod.Memory().Size())
}

// instantiateSluice builds the host modules: "sluice" (set_output, log,
// kv_get) and "env" (abort, which AssemblyScript imports).
func instantiateSluice(ctx context.Context, r *Runtime) error {
	b := r.wz.NewHostModuleBuilder("sluice")
	export := func(name string, fn api.GoModuleFunc) {
		sig := sigs["sluice."+name]
		b.NewFunctionBuilder().WithGoModuleFunction(fn, sig[0], sig[1]).Export(name)
	}
	export("set_output", setOutput)
	export("log", logMessage)
	export("kv_get", r.kvGet)
	if _, err := b.Instantiate(ctx); err != nil {
		return err
	}
	sig := sigs["env.abort"]
	_, err := r.wz.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(abort), sig[0], sig[1]).Export("abort").
		Instantiate(ctx)
	return err
}

// setOutput is sluice.set_output(ptr, len).
func setOutput(ctx context.Context, mod api.Module, stack []uint64) {
	s := stateOf(ctx)
	ptr, n := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if limit := s.m.cfg.Limits.MaxOutputBytes; int64(n) > limit {
		s.overCap = n
		panic(fmt.Errorf("output of %d bytes exceeds the cap of %d bytes", n, limit))
	}
	b := read(mod, "set_output", ptr, n)
	s.out = append(s.out[:0:0], b...)
	s.outSet = true
}

// logMessage is sluice.log(level, ptr, len): one line, cut at
// MaxLogLineBytes, within the call's log budget (see logBudget).
func logMessage(ctx context.Context, mod api.Module, stack []uint64) {
	s := stateOf(ctx)
	if !s.m.cfg.Grants.Log {
		return
	}
	level := slog.LevelInfo
	switch int32(api.DecodeU32(stack[0])) {
	case 0:
		level = slog.LevelDebug
	case 2:
		level = slog.LevelWarn
	case 3:
		level = slog.LevelError
	}
	msg := read(mod, "log", api.DecodeU32(stack[1]), api.DecodeU32(stack[2]))
	if len(msg) > MaxLogLineBytes {
		msg = msg[:MaxLogLineBytes]
	}
	if s.logs.take(len(msg)) {
		s.m.logger.Log(ctx, level, string(msg))
	}
}

// abort is env.abort(message, fileName, line, column) as AssemblyScript
// calls it: the strings are UTF-16 with their byte length at ptr-4. It traps.
func abort(_ context.Context, mod api.Module, stack []uint64) {
	msg := asString(mod, api.DecodeU32(stack[0]))
	file := asString(mod, api.DecodeU32(stack[1]))
	panic(fmt.Errorf("abort: %s at %s:%d:%d", msg, file, api.DecodeU32(stack[2]), api.DecodeU32(stack[3])))
}

func asString(mod api.Module, ptr uint32) string {
	if ptr < 4 {
		return ""
	}
	n, ok := mod.Memory().ReadUint32Le(ptr - 4)
	if !ok || n > 4096 {
		return "?"
	}
	b, ok := mod.Memory().Read(ptr, n&^1)
	if !ok {
		return "?"
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}
