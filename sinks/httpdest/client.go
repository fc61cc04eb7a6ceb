package httpdest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Defaults.
const (
	DefaultInitialBackoff = time.Second
	DefaultMaxBackoff     = 30 * time.Second
	// DefaultRequestTimeout bounds one attempt, answer included.
	DefaultRequestTimeout = 60 * time.Second
	// ProtocolVersion is the X-Amz-Firehose-Protocol-Version sent.
	ProtocolVersion = "1.0"

	maxResponseBytes = 1 << 20
)

// Header names of the contract.
const (
	HeaderProtocolVersion  = "X-Amz-Firehose-Protocol-Version"
	HeaderRequestID        = "X-Amz-Firehose-Request-Id"
	HeaderSourceARN        = "X-Amz-Firehose-Source-Arn"
	HeaderAccessKey        = "X-Amz-Firehose-Access-Key"
	HeaderCommonAttributes = "X-Amz-Firehose-Common-Attributes"
)

// Config is one endpoint. The delivery definition's HTTPDest maps onto it.
type Config struct {
	// URL of the endpoint (http or https).
	URL string
	// AccessKey is sent as X-Amz-Firehose-Access-Key when not empty.
	AccessKey string
	// SourceARN names the delivery stream
	// (arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME).
	SourceARN string
	// CommonAttributes are sent in X-Amz-Firehose-Common-Attributes.
	CommonAttributes map[string]string
	// GZIP compresses the body (the definition's ContentEncoding "GZIP").
	GZIP bool
}

// Request is one batch to deliver.
type Request struct {
	// ID is the request id, the same on every retry; see RequestID.
	ID string
	// Records are the records' data, sent base64-encoded.
	Records [][]byte
	// Timestamp is sent as the body's timestamp; zero means the time of
	// the first attempt.
	Timestamp time.Time
	// OnRetry, when set, is told by Deliver of each failed attempt it will
	// try again (so a caller can show that delivery is failing meanwhile).
	OnRetry func(*Error)
}

// Client sends requests to one endpoint. It is safe for concurrent use.
type Client struct {
	cfg      Config
	attrs    string
	http     *http.Client
	initial  time.Duration
	max      time.Duration
	timeout  time.Duration
	log      *slog.Logger
	endpoint string
}

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient sets the HTTP client (its Timeout should be zero or above
// the request timeout).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) error {
		if h == nil {
			return errors.New("httpdest: nil HTTP client")
		}
		c.http = h
		return nil
	}
}

// WithBackoff sets the first wait between attempts and its cap.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *Client) error {
		if initial <= 0 || max < initial {
			return fmt.Errorf("httpdest: backoff %v..%v: want 0 < initial <= max", initial, max)
		}
		c.initial, c.max = initial, max
		return nil
	}
}

// WithRequestTimeout bounds one attempt.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("httpdest: request timeout %v <= 0", d)
		}
		c.timeout = d
		return nil
	}
}

// WithLogger logs failed attempts (at Warn) to l.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("httpdest: nil logger")
		}
		c.log = l
		return nil
	}
}

// New returns a Client for cfg.
func New(cfg Config, opts ...Option) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("httpdest: URL %q is not an http(s) URL", cfg.URL)
	}
	attrs := cfg.CommonAttributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	ab, err := json.Marshal(struct {
		CommonAttributes map[string]string `json:"commonAttributes"`
	}{attrs})
	if err != nil {
		return nil, fmt.Errorf("httpdest: common attributes: %w", err)
	}
	c := &Client{
		cfg: cfg, attrs: string(ab), http: http.DefaultClient,
		initial: DefaultInitialBackoff, max: DefaultMaxBackoff, timeout: DefaultRequestTimeout,
		log: slog.New(slog.DiscardHandler), endpoint: u.Redacted(),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// String names the destination for logs.
func (c *Client) String() string { return "http " + c.endpoint }

// Send makes one attempt to deliver req. A failure is an *Error.
func (c *Client) Send(ctx context.Context, req Request) error {
	if req.Timestamp.IsZero() {
		req.Timestamp = time.Now()
	}
	body, err := c.encode(req)
	if err != nil {
		return err
	}
	if err := c.send(ctx, req.ID, body); err != nil {
		err.Attempts = 1
		err.ctxDone = ctx.Err() != nil
		return err
	}
	return nil
}

// Deliver sends req until it succeeds, ctx ends, or retryFor has passed
// since the first attempt (0: one attempt). Every attempt sends the same
// bytes. After the last failed attempt it returns an *Error with the
// number of attempts and the last reason, matching ErrRetriesExhausted
// unless ctx ended first.
func (c *Client) Deliver(ctx context.Context, req Request, retryFor time.Duration) error {
	start := time.Now()
	if req.Timestamp.IsZero() {
		req.Timestamp = start
	}
	body, err := c.encode(req)
	if err != nil {
		return err
	}
	wait := c.initial
	for attempt := 1; ; attempt++ {
		e := c.send(ctx, req.ID, body)
		if e == nil {
			return nil
		}
		e.Attempts = attempt
		if ctx.Err() != nil {
			e.ctxDone = true
			return e
		}
		c.log.Warn("http endpoint delivery failed", "endpoint", c.endpoint,
			"request_id", req.ID, "attempt", attempt, "status", e.StatusCode, "reason", e.Message)
		remaining := retryFor - time.Since(start)
		if remaining <= 0 {
			e.exhausted = true
			return e
		}
		if req.OnRetry != nil {
			req.OnRetry(e)
		}
		t := time.NewTimer(min(wait, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			e.Err = errors.Join(e.Err, ctx.Err())
			e.ctxDone = true
			return e
		case <-t.C:
		}
		wait = min(wait*2, c.max)
	}
}

type wireRecord struct {
	Data []byte `json:"data"`
}

type wireRequest struct {
	RequestID string       `json:"requestId"`
	Timestamp int64        `json:"timestamp"`
	Records   []wireRecord `json:"records"`
}

type wireResponse struct {
	RequestID    string `json:"requestId"`
	Timestamp    int64  `json:"timestamp"`
	ErrorMessage string `json:"errorMessage"`
}

func (c *Client) encode(req Request) ([]byte, error) {
	if req.ID == "" {
		return nil, &Error{Message: "empty request id", permanent: true}
	}
	w := wireRequest{RequestID: req.ID, Timestamp: req.Timestamp.UnixMilli(), Records: make([]wireRecord, len(req.Records))}
	for i, r := range req.Records {
		w.Records[i].Data = r
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, &Error{RequestID: req.ID, Message: "encode request", Err: err, permanent: true}
	}
	if !c.cfg.GZIP {
		return b, nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, &Error{RequestID: req.ID, Message: "gzip request", Err: err}
	}
	if err := zw.Close(); err != nil {
		return nil, &Error{RequestID: req.ID, Message: "gzip request", Err: err}
	}
	return buf.Bytes(), nil
}

// send makes one attempt with an encoded body.
func (c *Client) send(ctx context.Context, id string, body []byte) *Error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return &Error{RequestID: id, Message: "build request", Err: err}
	}
	h := hr.Header
	h.Set("Content-Type", "application/json")
	if c.cfg.GZIP {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set(HeaderProtocolVersion, ProtocolVersion)
	h.Set(HeaderRequestID, id)
	if c.cfg.SourceARN != "" {
		h.Set(HeaderSourceARN, c.cfg.SourceARN)
	}
	if c.cfg.AccessKey != "" {
		h.Set(HeaderAccessKey, c.cfg.AccessKey)
	}
	h.Set(HeaderCommonAttributes, c.attrs)

	resp, err := c.http.Do(hr)
	if err != nil {
		return &Error{RequestID: id, Message: "no answer from endpoint", Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return &Error{RequestID: id, StatusCode: resp.StatusCode, Message: "read answer", Err: err}
	}
	var ans wireResponse
	jerr := json.Unmarshal(raw, &ans)
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("endpoint answered %s", resp.Status)
		if jerr == nil && ans.ErrorMessage != "" {
			msg += ": " + ans.ErrorMessage
		}
		return &Error{RequestID: id, StatusCode: resp.StatusCode, Message: msg}
	}
	if jerr != nil {
		return &Error{RequestID: id, StatusCode: resp.StatusCode, Message: "answer is not the JSON the contract asks for", Err: jerr}
	}
	if ans.RequestID != id {
		return &Error{RequestID: id, StatusCode: resp.StatusCode,
			Message: fmt.Sprintf("answer's requestId %q is not the request's", ans.RequestID)}
	}
	return nil
}
