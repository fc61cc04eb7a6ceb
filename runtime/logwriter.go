package runtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Bounds on what a module logs, through the log host function, stdout and
// stderr together. One call (a batch through Transform, or an instance's
// start) has one budget: past MaxLogLinesPerCall lines or
// MaxLogBytesPerCall bytes, whichever comes first, its lines are dropped
// and counted, and one warning at the end of the call says how many.
const (
	// MaxLogLineBytes caps one logged line; a longer one is cut.
	MaxLogLineBytes = 4096
	// MaxLogLinesPerCall caps the lines one call logs.
	MaxLogLinesPerCall = 1000
	// MaxLogBytesPerCall caps the bytes of the lines one call logs.
	MaxLogBytesPerCall = 64 << 10
)

// logBudget counts what one call logs against the bounds above.
type logBudget struct {
	mu                         sync.Mutex
	lines, bytes               int
	droppedLines, droppedBytes int
}

// take says whether a line of n bytes may be logged, and counts it as
// logged or dropped.
func (b *logBudget) take(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.droppedLines == 0 && b.lines < MaxLogLinesPerCall && b.bytes+n <= MaxLogBytesPerCall {
		b.lines++
		b.bytes += n
		return true
	}
	b.droppedLines++
	b.droppedBytes += n
	return false
}

// finish ends the call: when lines were dropped it logs one warning saying
// how many; then the budget is fresh for the next call.
func (b *logBudget) finish(l *slog.Logger) {
	b.mu.Lock()
	dl, db := b.droppedLines, b.droppedBytes
	b.lines, b.bytes, b.droppedLines, b.droppedBytes = 0, 0, 0, 0
	b.mu.Unlock()
	if dl > 0 {
		l.LogAttrs(context.Background(), slog.LevelWarn, "module log over its per-call budget: lines dropped",
			slog.Int("dropped_lines", dl), slog.Int("dropped_bytes", db),
			slog.Int("max_lines", MaxLogLinesPerCall), slog.Int("max_bytes", MaxLogBytesPerCall))
	}
}

// lineLogger is an io.Writer that logs each complete line a module writes
// to stdout or stderr, within the call's budget, and remembers the last one
// (a failed WASI command's reason), logged or not. Overlong lines are cut.
type lineLogger struct {
	logger *slog.Logger
	stream string
	budget *logBudget

	mu      sync.Mutex
	partial []byte
	last    string
}

func newLineLogger(l *slog.Logger, stream string, budget *logBudget) *lineLogger {
	return &lineLogger{logger: l, stream: stream, budget: budget}
}

// Write implements io.Writer; it never fails.
func (w *lineLogger) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := MaxLogLineBytes - len(w.partial)
			w.partial = append(w.partial, p[:min(room, len(p))]...)
			break
		}
		room := MaxLogLineBytes - len(w.partial)
		w.partial = append(w.partial, p[:min(room, i)]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineLogger) emit() {
	line := string(bytes.TrimRight(w.partial, "\r"))
	w.partial = w.partial[:0]
	if line == "" {
		return
	}
	w.last = line
	if w.budget.take(len(line)) {
		w.logger.LogAttrs(context.Background(), slog.LevelInfo, line, slog.String("stream", w.stream))
	}
}

// Flush logs an unterminated last line.
func (w *lineLogger) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.emit()
	}
}

// Last returns the last non-empty line written.
func (w *lineLogger) Last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// cappedBuffer collects a WASI command's stdout up to a cap; a write past
// the cap fails and is remembered.
type cappedBuffer struct {
	buf      bytes.Buffer
	cap      int64
	overflow bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if int64(c.buf.Len()+len(p)) > c.cap {
		c.overflow = true
		return 0, errOutputCap
	}
	return c.buf.Write(p)
}

var errOutputCap = errors.New("output cap exceeded")
