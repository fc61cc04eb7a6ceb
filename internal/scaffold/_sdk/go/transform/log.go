package transform

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// Level is the severity of a message sent to the host's log, with the
// numeric values of the ABI's log import.
type Level int32

// The log levels of the ABI.
const (
	LevelDebug Level = 0
	LevelInfo  Level = 1
	LevelWarn  Level = 2
	LevelError Level = 3
)

// String returns the level's name.
func (l Level) String() string {
	switch l {
	case LevelDebug:
		return "DEBUG"
	case LevelWarn:
		return "WARN"
	case LevelError:
		return "ERROR"
	default:
		return "INFO"
	}
}

// Log writes msg to the host's structured log at level, tagged by the host
// with the module's name and version. It does nothing when the pipeline did
// not grant logging to the module. Outside Sluice it writes to standard
// error.
func Log(level Level, msg string) {
	hostLog(level, msg)
}

// Logger returns a *slog.Logger whose records go to the host's log: the
// message, then the attributes as key=value pairs (slog's text format). The host
// adds the time and the module, so the logger leaves them out.
func Logger() *slog.Logger {
	return slog.New(newLogHandler())
}

// logHandler is a slog.Handler that formats a record with slog's text
// handler (without time, level and message, which go first) and sends it through Log.
type logHandler struct {
	mu    *sync.Mutex
	buf   *bytes.Buffer
	inner slog.Handler
}

func newLogHandler() *logHandler {
	buf := new(bytes.Buffer)
	inner := slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return &logHandler{mu: new(sync.Mutex), buf: buf, inner: inner}
}

// Enabled reports true: the host decides what it keeps.
func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle formats r and sends it to the host.
func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.inner.Handle(ctx, r); err != nil {
		return err
	}
	msg := r.Message
	if attrs := strings.TrimSuffix(h.buf.String(), "\n"); attrs != "" {
		msg += " " + attrs
	}
	Log(levelOf(r.Level), msg)
	return nil
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{mu: h.mu, buf: h.buf, inner: h.inner.WithAttrs(attrs)}
}

// WithGroup returns a handler that nests later attributes under name.
func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{mu: h.mu, buf: h.buf, inner: h.inner.WithGroup(name)}
}

// levelOf maps a slog level to the nearest ABI level at or below it.
func levelOf(l slog.Level) Level {
	switch {
	case l < slog.LevelInfo:
		return LevelDebug
	case l < slog.LevelWarn:
		return LevelInfo
	case l < slog.LevelError:
		return LevelWarn
	default:
		return LevelError
	}
}
