package awsjson

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sluice-io/sluice/host/awscbor"
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

// CBORStreamer is a Streamer's CBOR form: an output that answers CBOR
// requests (a CBORHandler's) by writing its CBOR body itself. A Streamer
// that is not also a CBORStreamer cannot answer a CBOR request (the Mux
// answers InternalFailure and logs it: a programming error).
type CBORStreamer interface {
	StreamCBOR(w io.Writer) error
}

// ContentType is the content type of JSON requests and answers.
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

	mu        sync.RWMutex
	handlers  map[string]Handler
	cbor      map[string]bool   // target prefixes served over CBOR too
	notServed map[string]string // target → why Sluice does not serve it
}

// NewMux returns an empty Mux. logger nil discards the log. An invalid
// option is a programming error: NewMux panics with its message.
func NewMux(logger *slog.Logger, opts ...Option) *Mux {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Mux{log: logger, maxBody: DefaultMaxBodyBytes, handlers: map[string]Handler{}, cbor: map[string]bool{}, notServed: map[string]string{}}
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

// NotServed names an operation of the AWS API that Sluice does not serve,
// and why: a request for it is answered UnknownOperationException, as any
// unknown target, but with a message that says so instead of suggesting a
// typing mistake.
func (m *Mux) NotServed(targetPrefix, operation, why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notServed[targetPrefix+"."+operation] = why
}

// AllowCBOR serves the targets "<targetPrefix>.*" over the CBOR protocol
// too (application/x-amz-cbor-1.1), with the handlers that are
// CBORHandlers. A CBOR request to any other target is a
// SerializationException, answered in CBOR.
func (m *Mux) AllowCBOR(targetPrefix string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cbor[targetPrefix] = true
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

// ServeHTTP serves one request, in the protocol its Content-Type names
// (see ProtocolOf).
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Amzn-RequestId", reqID)
	p := ProtocolOf(r)
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost {
		WriteErrorAs(w, p, &Error{Type: TypeMethodNotAllowed, Message: "Only POST is supported.", Status: http.StatusMethodNotAllowed})
		return
	}
	prefix, _, _ := strings.Cut(target, ".")
	m.mu.RLock()
	h, ok := m.handlers[target]
	cborOK := m.cbor[prefix]
	why, known := m.notServed[target]
	m.mu.RUnlock()
	if !ok {
		if known {
			WriteErrorAs(w, p, Errorf(TypeUnknownOperation, "Sluice does not serve %s: %s", target, why))
			return
		}
		WriteErrorAs(w, p, Errorf(TypeUnknownOperation, "Unknown operation %q.", target))
		return
	}
	serve := h.ServeAWS
	if p == CBOR {
		ch, isCBOR := h.(CBORHandler)
		if !cborOK || !isCBOR {
			WriteErrorAs(w, p, Errorf(TypeSerialization, "%s does not accept %s: send %s.", prefix, awscbor.ContentType, ContentType))
			return
		}
		serve = ch.ServeCBOR
	}
	if r.ContentLength > m.maxBody {
		WriteErrorAs(w, p, m.tooLarge(r.ContentLength))
		return
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, m.maxBody), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			WriteErrorAs(w, p, m.tooLarge(-1))
			return
		}
		WriteErrorAs(w, p, Errorf(TypeSerialization, "Request body could not be read: %v.", err))
		return
	}
	if len(body) == 0 {
		body = p.emptyBody()
	}
	out, err := serve(r.Context(), body)
	if c, ok := out.(io.Closer); ok {
		defer func() { _ = c.Close() }()
	}
	if err != nil {
		var aerr *Error
		if !errors.As(err, &aerr) {
			m.log.Error("operation failed", "target", target, "request_id", reqID, "err", err)
			aerr = internalFailure()
		}
		WriteErrorAs(w, p, aerr)
		return
	}
	if rs, ok := out.(Responder); ok {
		rs.Respond(w, r)
		return
	}
	m.answer(w, p, target, reqID, out)
}

// answer writes a successful answer in protocol p.
func (m *Mux) answer(w http.ResponseWriter, p Protocol, target, reqID string, out any) {
	if st, ok := out.(CBORStreamer); ok && p == CBOR {
		m.stream(w, p, target, reqID, st.StreamCBOR)
		return
	}
	if st, ok := out.(Streamer); ok {
		if p == JSON {
			m.stream(w, p, target, reqID, st.StreamJSON)
			return
		}
		m.log.Error("an answer written as JSON only was asked for in CBOR", "target", target, "request_id", reqID, "type", fmt.Sprintf("%T", out))
		WriteErrorAs(w, p, internalFailure())
		return
	}
	data, err := p.marshal(out)
	if err != nil {
		m.log.Error("encode response", "target", target, "request_id", reqID, "protocol", p.String(), "err", err)
		WriteErrorAs(w, p, internalFailure())
		return
	}
	w.Header().Set("Content-Type", p.ContentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func internalFailure() *Error {
	return &Error{Type: TypeInternalFailure, Message: "Internal service failure.", Status: http.StatusInternalServerError}
}

// stream writes a streamed answer through a bounded buffer, without a
// Content-Length (chunked over HTTP/1.1, unless it fits the buffer).
func (m *Mux) stream(w http.ResponseWriter, p Protocol, target, reqID string, write func(io.Writer) error) {
	w.Header().Set("Content-Type", p.ContentType())
	bw := bufio.NewWriterSize(w, streamBufferBytes)
	err := write(bw)
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

// WriteError answers e in the JSON protocol's error shape: its status,
// X-Amzn-ErrorType, and {"__type", "message"}. It sets X-Amzn-RequestId
// when the answer has none yet, so layers in front of the Mux answer as
// the Mux does. WriteRequestError answers in the request's protocol.
func WriteError(w http.ResponseWriter, e *Error) { WriteErrorAs(w, JSON, e) }

// WriteRequestError answers e in the error shape of r's protocol
// (ProtocolOf): what layers in front of the Mux (host/auth's signature
// check, the server's request cap) use, so that a CBOR client reads
// their refusals too.
func WriteRequestError(w http.ResponseWriter, r *http.Request, e *Error) {
	WriteErrorAs(w, ProtocolOf(r), e)
}

// WriteErrorAs answers e in protocol p: its status, X-Amzn-ErrorType,
// and a body with "__type" and "message" (a JSON object, or a CBOR map).
func WriteErrorAs(w http.ResponseWriter, p Protocol, e *Error) {
	if w.Header().Get("X-Amzn-RequestId") == "" {
		w.Header().Set("X-Amzn-RequestId", newRequestID())
	}
	data, _ := p.marshal(errorBody{Type: e.Type, Message: e.Message})
	w.Header().Set("Content-Type", p.ContentType())
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

// readAll is io.ReadAll (the same reads, answers and errors) into a
// buffer of the request's Content-Length (already checked against the
// body limit) and one byte, so a PutRecords of megabytes is not copied
// a dozen times as the buffer grows.
func readAll(r io.Reader, contentLength int64) ([]byte, error) {
	b := make([]byte, 0, max(contentLength, 511)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
