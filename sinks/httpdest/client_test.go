package httpdest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is one request as the endpoint saw it.
type received struct {
	header http.Header
	raw    []byte // body as sent (compressed if gzip)
	body   wireRequest
}

// endpoint is a real HTTP server speaking the receiving side of the
// contract; answer decides each reply (nil: a correct 200).
type endpoint struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, id string, w http.ResponseWriter)
}

func newEndpoint(t *testing.T, answer func(n int, id string, w http.ResponseWriter)) *endpoint {
	t.Helper()
	e := &endpoint{answer: answer}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		plain := raw
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			plain, _ = io.ReadAll(zr)
		}
		var body wireRequest
		if err := json.Unmarshal(plain, &body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		e.mu.Lock()
		e.got = append(e.got, received{header: r.Header.Clone(), raw: raw, body: body})
		n := len(e.got)
		e.mu.Unlock()
		id := r.Header.Get(HeaderRequestID)
		if e.answer != nil {
			e.answer(n, id, w)
			return
		}
		ok(w, id)
	}))
	t.Cleanup(e.Close)
	return e
}

func ok(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d}`, id, time.Now().UnixMilli())
}

func fail(w http.ResponseWriter, id string, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d,"errorMessage":%q}`, id, time.Now().UnixMilli(), msg)
}

func (e *endpoint) requests() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.got...)
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg, WithBackoff(5*time.Millisecond, 20*time.Millisecond), WithRequestTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendHeadersAndBody(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			ep := newEndpoint(t, nil)
			c := newClient(t, Config{
				URL: ep.URL, AccessKey: "secret-key", GZIP: gz,
				SourceARN:        "arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks",
				CommonAttributes: map[string]string{"env": "edge", "site": "plant-7"},
			})
			ts := time.UnixMilli(1709798702123)
			records := [][]byte{[]byte(`{"a":1}`), {0, 1, 2, 0xff}, {}}
			if err := c.Send(context.Background(), Request{ID: "req-1", Records: records, Timestamp: ts}); err != nil {
				t.Fatal(err)
			}
			got := ep.requests()
			if len(got) != 1 {
				t.Fatalf("%d requests", len(got))
			}
			h := got[0].header
			want := map[string]string{
				"Content-Type":         "application/json",
				HeaderProtocolVersion:  "1.0",
				HeaderRequestID:        "req-1",
				HeaderSourceARN:        "arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks",
				HeaderAccessKey:        "secret-key",
				HeaderCommonAttributes: `{"commonAttributes":{"env":"edge","site":"plant-7"}}`,
				"Content-Encoding":     map[bool]string{true: "gzip"}[gz],
			}
			for k, v := range want {
				if h.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
				}
			}
			b := got[0].body
			if b.RequestID != "req-1" || b.Timestamp != 1709798702123 || len(b.Records) != len(records) {
				t.Fatalf("body = %+v", b)
			}
			for i := range records {
				if !bytes.Equal(b.Records[i].Data, records[i]) {
					t.Errorf("record %d = %v, want %v", i, b.Records[i].Data, records[i])
				}
			}
			// The data is base64 in the JSON itself.
			if !gz && !bytes.Contains(got[0].raw, []byte(`{"data":"AAEC/w=="}`)) {
				t.Errorf("raw body %s lacks base64 data", got[0].raw)
			}
		})
	}
}

func TestRetryKeepsRequestIDAndBody(t *testing.T) {
	ep := newEndpoint(t, func(n int, id string, w http.ResponseWriter) {
		if n < 3 {
			fail(w, id, 500, "try later")
			return
		}
		ok(w, id)
	})
	c := newClient(t, Config{URL: ep.URL})
	id := RequestID("clicks", "17", "942")
	if err := c.Deliver(context.Background(), Request{ID: id, Records: [][]byte{[]byte("x")}}, time.Minute); err != nil {
		t.Fatal(err)
	}
	got := ep.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for i, r := range got {
		if r.header.Get(HeaderRequestID) != id {
			t.Errorf("attempt %d id %q, want %q", i+1, r.header.Get(HeaderRequestID), id)
		}
		if !bytes.Equal(r.raw, got[0].raw) {
			t.Errorf("attempt %d body differs from the first", i+1)
		}
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(n int, id string, w http.ResponseWriter)
		status  int
		message string
	}{
		{"server error with message", func(_ int, id string, w http.ResponseWriter) { fail(w, id, 503, "overloaded") }, 503, "overloaded"},
		{"client error", func(_ int, id string, w http.ResponseWriter) { fail(w, id, 401, "bad access key") }, 401, "bad access key"},
		{"wrong request id", func(_ int, _ string, w http.ResponseWriter) { ok(w, "someone-else") }, 200, `"someone-else" is not the request's`},
		{"200 without JSON", func(_ int, _ string, w http.ResponseWriter) { io.WriteString(w, "OK") }, 200, "not the JSON"},
		{"201 is not success", func(_ int, id string, w http.ResponseWriter) { w.WriteHeader(201); ok(w, id) }, 201, "201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := newEndpoint(t, tt.answer)
			err := newClient(t, Config{URL: ep.URL}).Send(context.Background(), Request{ID: "r", Records: [][]byte{[]byte("x")}})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send = %v, want *Error", err)
			}
			if e.StatusCode != tt.status || !strings.Contains(e.Error(), tt.message) || !e.Retryable() || e.Attempts != 1 {
				t.Fatalf("error %q status %d retryable %v attempts %d; want status %d mentioning %q",
					e, e.StatusCode, e.Retryable(), e.Attempts, tt.status, tt.message)
			}
			if errors.Is(err, ErrRetriesExhausted) {
				t.Fatal("Send reports exhausted retries")
			}
		})
	}
}

func TestEndpointDown(t *testing.T) {
	ep := newEndpoint(t, nil)
	url := ep.URL
	ep.Close()
	err := newClient(t, Config{URL: url}).Send(context.Background(), Request{ID: "r"})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 0 || !e.Retryable() || e.Err == nil {
		t.Fatalf("Send to a closed endpoint = %v", err)
	}
}

func TestRetryDurationExhausted(t *testing.T) {
	ep := newEndpoint(t, func(_ int, id string, w http.ResponseWriter) { fail(w, id, 500, "disk full") })
	c := newClient(t, Config{URL: ep.URL})
	retries := 0
	onRetry := func(e *Error) {
		if e.StatusCode != 500 {
			t.Errorf("OnRetry told of %v", e)
		}
		retries++
	}
	err := c.Deliver(context.Background(), Request{ID: "r", Records: [][]byte{[]byte("x")}, OnRetry: onRetry}, 60*time.Millisecond)
	if !errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("Deliver = %v, want ErrRetriesExhausted", err)
	}
	var e *Error
	errors.As(err, &e)
	if n := len(ep.requests()); e.Attempts != n || n < 2 {
		t.Fatalf("Attempts = %d, endpoint saw %d (want >= 2 and equal)", e.Attempts, n)
	}
	if retries != e.Attempts-1 {
		t.Fatalf("OnRetry told of %d failures, want one per attempt retried (%d)", retries, e.Attempts-1)
	}
	if !strings.Contains(err.Error(), "disk full") || e.StatusCode != 500 {
		t.Fatalf("error %q lacks the last reason", err)
	}
}

func TestZeroRetryDurationIsOneAttempt(t *testing.T) {
	ep := newEndpoint(t, func(_ int, id string, w http.ResponseWriter) { fail(w, id, 500, "no") })
	err := newClient(t, Config{URL: ep.URL}).Deliver(context.Background(), Request{ID: "r"}, 0)
	if !errors.Is(err, ErrRetriesExhausted) || len(ep.requests()) != 1 {
		t.Fatalf("Deliver = %v after %d requests, want exhausted after 1", err, len(ep.requests()))
	}
}

func TestDeliverStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ep := newEndpoint(t, func(n int, id string, w http.ResponseWriter) {
		if n == 2 {
			cancel()
		}
		fail(w, id, 500, "no")
	})
	err := newClient(t, Config{URL: ep.URL}).Deliver(ctx, Request{ID: "r"}, time.Hour)
	var e *Error
	if !errors.As(err, &e) || e.Retryable() || errors.Is(err, ErrRetriesExhausted) {
		t.Fatalf("Deliver = %v, want a non-retryable, non-exhausted error", err)
	}
}

func TestConcurrentDeliver(t *testing.T) {
	ep := newEndpoint(t, func(n int, id string, w http.ResponseWriter) {
		if n%3 == 0 {
			fail(w, id, 502, "flaky")
			return
		}
		ok(w, id)
	})
	c := newClient(t, Config{URL: ep.URL, GZIP: true})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := RequestID("s", fmt.Sprint(g), fmt.Sprint(i))
				if err := c.Deliver(context.Background(), Request{ID: id, Records: [][]byte{[]byte(id)}}, time.Minute); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range ep.requests() {
		if string(r.body.Records[0].Data) != r.body.RequestID {
			t.Fatalf("body of %s carries %q", r.body.RequestID, r.body.Records[0].Data)
		}
		seen[r.body.RequestID] = true
	}
	if len(seen) != 80 {
		t.Fatalf("%d distinct requests delivered, want 80", len(seen))
	}
}

func TestRequestID(t *testing.T) {
	a := RequestID("clicks", "17", "942")
	if a != RequestID("clicks", "17", "942") {
		t.Fatal("not deterministic")
	}
	if len(a) != 36 || strings.Count(a, "-") != 4 {
		t.Fatalf("not UUID-shaped: %q", a)
	}
	if RequestID("ab", "c") == RequestID("a", "bc") {
		t.Fatal("part boundaries ignored")
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		opt  Option
	}{
		{"no scheme", Config{URL: "example.com/x"}, nil},
		{"ftp", Config{URL: "ftp://example.com"}, nil},
		{"bad backoff", Config{URL: "http://x"}, WithBackoff(time.Second, time.Millisecond)},
		{"zero timeout", Config{URL: "http://x"}, WithRequestTimeout(0)},
		{"nil client", Config{URL: "http://x"}, WithHTTPClient(nil)},
		{"nil logger", Config{URL: "http://x"}, WithLogger(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			if _, err := New(tt.cfg, opts...); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	err := newClient(t, Config{URL: "http://127.0.0.1:1"}).Send(context.Background(), Request{})
	var e *Error
	if !errors.As(err, &e) || e.Retryable() {
		t.Fatalf("empty request id: %v", err)
	}
}
