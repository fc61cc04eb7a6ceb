package runtime

import "github.com/tetratelabs/wazero/experimental"

// memoryLimit caps one instance's linear memory below the runtime-wide
// ceiling (wazero's WithMemoryLimitPages is per runtime, and the host has
// one runtime): memory.grow past the limit returns -1, as sdk/ABI.md says.
type memoryLimit uint64

// Allocate implements experimental.MemoryAllocator.
func (l memoryLimit) Allocate(capacity, maxBytes uint64) experimental.LinearMemory {
	limit := min(maxBytes, uint64(l))
	return &linearMemory{limit: limit, buf: make([]byte, 0, min(capacity, limit))}
}

type linearMemory struct {
	buf   []byte
	limit uint64
}

// Reallocate implements experimental.LinearMemory: it grows geometrically up
// to the limit and fails (nil) beyond it.
func (l *linearMemory) Reallocate(size uint64) []byte {
	if size > l.limit {
		return nil
	}
	if size <= uint64(cap(l.buf)) {
		l.buf = l.buf[:size]
		return l.buf
	}
	nb := make([]byte, size, min(max(size, 2*uint64(cap(l.buf))), l.limit))
	copy(nb, l.buf)
	l.buf = nb
	return nb
}

// Free implements experimental.LinearMemory.
func (l *linearMemory) Free() { l.buf = nil }
