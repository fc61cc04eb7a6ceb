package runtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
)

// maxLogLine caps one logged line of a module's stdout or stderr.
const maxLogLine = 4096

// lineLogger is an io.Writer that logs each complete line a module writes
// to stdout or stderr, and remembers the last one (a failed WASI command's
// reason). Overlong lines are cut.
type lineLogger struct {
	logger *slog.Logger
	stream string

	mu      sync.Mutex
	partial []byte
	last    string
}

func newLineLogger(l *slog.Logger, stream string) *lineLogger {
	return &lineLogger{logger: l, stream: stream}
}

// Write implements io.Writer; it never fails.
func (w *lineLogger) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLogLine - len(w.partial)
			w.partial = append(w.partial, p[:min(room, len(p))]...)
			break
		}
		room := maxLogLine - len(w.partial)
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
	w.logger.LogAttrs(context.Background(), slog.LevelInfo, line, slog.String("stream", w.stream))
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
