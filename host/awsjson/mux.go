package awsjson

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// DefaultMaxBodyBytes is the largest request body the Mux reads. A
// PutRecords of 5 MiB of data is about 7 MB once base64 encoded.
const DefaultMaxBodyBytes = 10 << 20

// streamBufferBytes is the buffer a Streamer's answer is written
// through.
const streamBufferBytes = 64 << 10

// Streamer is an operation's output that writes its JSON body itself, so
// that a large answer (GetRecords: up to 10 MiB of data, a third more as
// base64) is encoded straight to the connection instead of being built in
// memory first. An output that is also an io.Closer is closed once it has
// been written (whatever the output type).
type Streamer interface {
	StreamJSON(w io.Writer) error
}

// ContentType is the content type of every response.
const ContentType = "application/x-amz-json-1.1"

// Option configures a Mux.
type Option func(*Mux) error

// WithMaxBodyBytes sets the largest request body accepted (> 0).
func WithMaxBodyBytes(n int64) Option {
	return func(m *Mux) error {
		if n <= 0 {
			return fmt.Errorf("awsjson: max body bytes %d must be > 0", n)
		}
		m.maxBody = n
		return nil
	}
}

// Mux routes AWS JSON requests to operation handlers by X-Amz-Target.
// It is an http.Handler for POST /.
type Mux struct {
	log     *slog.Logger
	maxBody int64

	mu       sync.RWMutex
	handlers map[string]Handler
}

// NewMux returns an empty Mux. logger nil discards the log. An invalid
// option is a programming error: NewMux panics with its message.
func NewMux(logger *slog.Logger, opts ...Option) *Mux {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Mux{log: logger, maxBody: DefaultMaxBodyBytes, handlers: map[string]Handler{}}
	for _, o := range opts {
		if err := o(m); err != nil {
			panic(err)
		}
	}
	return m
}

// Handle registers h for the target "<targetPrefix>.<operation>", for
// example ("Kinesis_20131202", "PutRecord").
func (m *Mux) Handle(targetPrefix, operation string, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[targetPrefix+"."+operation] = h
}

// Targets lists the registered targets, sorted.
func (m *Mux) Targets() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]string, 0, len(m.handlers))
	for t := range m.handlers {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// ServeHTTP serves one request.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Amzn-RequestId", reqID)
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost {
		m.writeError(w, &Error{Type: TypeMethodNotAllowed, Message: "Only POST is supported.", Status: http.StatusMethodNotAllowed})
		return
	}
	m.mu.RLock()
	h, ok := m.handlers[target]
	m.mu.RUnlock()
	if !ok {
		m.writeError(w, Errorf(TypeUnknownOperation, "Unknown operation %q.", target))
		return
	}
	if r.ContentLength > m.maxBody {
		m.writeError(w, m.tooLarge(r.ContentLength))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			m.writeError(w, m.tooLarge(-1))
			return
		}
		m.writeError(w, Errorf(TypeSerialization, "Request body could not be read: %v.", err))
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := h.ServeAWS(r.Context(), body)
	if c, ok := out.(io.Closer); ok {
		defer func() { _ = c.Close() }()
	}
	if err != nil {
		var aerr *Error
		if !errors.As(err, &aerr) {
			m.log.Error("operation failed", "target", target, "request_id", reqID, "err", err)
			aerr = &Error{Type: TypeInternalFailure, Message: "Internal service failure.", Status: http.StatusInternalServerError}
		}
		m.writeError(w, aerr)
		return
	}
	if rs, ok := out.(Responder); ok {
		rs.Respond(w, r)
		return
	}
	if st, ok := out.(Streamer); ok {
		m.stream(w, target, reqID, st)
		return
	}
	data, err := json.Marshal(out)
	if err != nil {
		m.log.Error("encode response", "target", target, "request_id", reqID, "err", err)
		m.writeError(w, &Error{Type: TypeInternalFailure, Message: "Internal service failure.", Status: http.StatusInternalServerError})
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// stream writes a Streamer's answer through a bounded buffer, without a
// Content-Length (chunked, unless it fits the buffer).
func (m *Mux) stream(w http.ResponseWriter, target, reqID string, st Streamer) {
	w.Header().Set("Content-Type", ContentType)
	bw := bufio.NewWriterSize(w, streamBufferBytes)
	err := st.StreamJSON(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		// The status is sent; the client sees a cut answer.
		m.log.Warn("write response", "target", target, "request_id", reqID, "err", err)
	}
}

func (m *Mux) tooLarge(n int64) *Error {
	msg := fmt.Sprintf("Request body exceeds the limit of %d bytes.", m.maxBody)
	if n >= 0 {
		msg = fmt.Sprintf("Request body of %d bytes exceeds the limit of %d bytes.", n, m.maxBody)
	}
	return &Error{Type: TypeRequestTooLarge, Message: msg, Status: http.StatusRequestEntityTooLarge}
}

func (m *Mux) writeError(w http.ResponseWriter, e *Error) { WriteError(w, e) }

// WriteError answers e in the protocol's error shape: its status,
// X-Amzn-ErrorType, and {"__type", "message"}. It sets X-Amzn-RequestId
// when the answer has none yet, so layers in front of the Mux (the
// signature check of host/auth) answer as the Mux does.
func WriteError(w http.ResponseWriter, e *Error) {
	if w.Header().Get("X-Amzn-RequestId") == "" {
		w.Header().Set("X-Amzn-RequestId", newRequestID())
	}
	data, _ := json.Marshal(errorBody{Type: e.Type, Message: e.Message})
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(e.status())
	_, _ = w.Write(data)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
