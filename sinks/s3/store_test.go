package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-io/sluice/internal/s3test"
	"github.com/sluice-io/sluice/sinks"
	"github.com/sluice-io/sluice/sinks/s3"
)

func storeFor(t *testing.T, srv *s3test.Server, mut func(*s3.Config), opts ...s3.Option) *s3.Store {
	t.Helper()
	cfg := s3.Config{
		Endpoint: srv.Endpoint, Bucket: srv.Bucket, Region: srv.Region,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, PathStyle: true,
	}
	if mut != nil {
		mut(&cfg)
	}
	st, err := s3.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func retryable(err error) bool {
	var r interface{ Retryable() bool }
	return errors.As(err, &r) && r.Retryable()
}

func TestPutReadBackAndReplace(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	st := storeFor(t, srv, nil)
	key := "2024/03/07/08/s-1-2024-03-07-08-05-02-1-9.json.gz"
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	for _, body := range [][]byte{big, []byte("second, smaller")} {
		err := st.Put(ctx, sinks.Object{Key: key, Body: body, ContentType: "application/x-ndjson", ContentEncoding: "gzip"})
		if err != nil {
			t.Fatal(err)
		}
		if got := srv.Get(key); !bytes.Equal(got, body) {
			t.Fatalf("read back %d bytes, want %d", len(got), len(body))
		}
	}
	head, err := srv.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ContentType) != "application/x-ndjson" || aws.ToString(head.ContentEncoding) != "gzip" {
		t.Fatalf("content type %q, encoding %q", aws.ToString(head.ContentType), aws.ToString(head.ContentEncoding))
	}
	if got := srv.List(""); len(got) != 1 {
		t.Fatalf("objects = %v, want one", got)
	}
	if !strings.Contains(st.String(), srv.Endpoint) {
		t.Fatalf("String = %q", st.String())
	}
}

func TestPermanentErrors(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	tests := []struct {
		name string
		mut  func(*s3.Config)
		is   error
	}{
		{"no such bucket", func(c *s3.Config) { c.Bucket = "missing-bucket" }, s3.ErrNoSuchBucket},
		{"wrong secret", func(c *s3.Config) { c.SecretAccessKey = "wrong" }, s3.ErrAccessDenied},
		{"unknown access key", func(c *s3.Config) { c.AccessKeyID = "nobody" }, s3.ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := storeFor(t, srv, tt.mut).Put(ctx, sinks.Object{Key: "k", Body: []byte("x")})
			if !errors.Is(err, tt.is) {
				t.Fatalf("Put = %v, want %v", err, tt.is)
			}
			if retryable(err) {
				t.Fatalf("%v reported retryable", err)
			}
		})
	}
}

func TestServerDownIsRetryableThenRecovers(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	st := storeFor(t, srv, nil, s3.WithMaxAttempts(1))
	srv.Stop()
	err := st.Put(ctx, sinks.Object{Key: "k", Body: []byte("x")})
	if err == nil || !retryable(err) {
		t.Fatalf("Put with the server down = %v, want a retryable error", err)
	}
	srv.Restart()
	if err := st.Put(ctx, sinks.Object{Key: "k", Body: []byte("x")}); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
	if got := string(srv.Get("k")); got != "x" {
		t.Fatalf("Get = %q", got)
	}
}

// TestCorruptionInTransitIsRefused puts a proxy between the store and the
// server that changes one byte of the body: the server must refuse it
// (checksum mismatch) and nothing may be stored.
func TestCorruptionInTransitIsRefused(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	target, _ := url.Parse(srv.Endpoint)
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host // the signature covers the Host header
		if r.In.Method != http.MethodPut {
			return
		}
		body, _ := io.ReadAll(r.In.Body)
		body = bytes.Replace(body, []byte("CORRUPTME"), []byte("CORRUPTMF"), 1)
		r.Out.Body = io.NopCloser(bytes.NewReader(body))
		r.Out.ContentLength = int64(len(body))
	}}
	front := httptest.NewServer(proxy)
	defer front.Close()
	st := storeFor(t, srv, func(c *s3.Config) { c.Endpoint = front.URL }, s3.WithMaxAttempts(1))

	body := []byte(strings.Repeat("record\n", 1000) + "CORRUPTME" + strings.Repeat("record\n", 1000))
	err := st.Put(ctx, sinks.Object{Key: "bad", Body: body})
	if err == nil {
		t.Fatal("a corrupted body was accepted")
	}
	t.Logf("corrupted put refused: %v", err)
	if !retryable(err) {
		t.Fatalf("corruption in transit should be retryable: %v", err)
	}
	if got := srv.List(""); len(got) != 0 {
		t.Fatalf("stored despite corruption: %v", got)
	}
	// The same proxy passes an honest body.
	if err := st.Put(ctx, sinks.Object{Key: "good", Body: []byte("fine")}); err != nil {
		t.Fatalf("honest put through proxy: %v", err)
	}
}

// TestServerErrorsClassified uses an HTTP server that answers as S3 does
// when it is overloaded or broken.
func TestServerErrorsClassified(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		status    int
		code      string
		retryable bool
	}{
		{"slow down", 503, "SlowDown", true},
		{"internal error", 500, "InternalError", true},
		{"too many requests", 429, "TooManyRequests", true},
		{"access denied", 403, "AccessDenied", false},
		{"entity too large", 400, "EntityTooLarge", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+tt.code+`</Code><Message>test</Message></Error>`)
			}))
			defer hs.Close()
			st, err := s3.New(s3.Config{Endpoint: hs.URL, Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s", PathStyle: true}, s3.WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			err = st.Put(ctx, sinks.Object{Key: "k", Body: []byte("x")})
			var se *s3.Error
			if !errors.As(err, &se) {
				t.Fatalf("Put = %v, want *s3.Error", err)
			}
			if se.Code != tt.code || se.StatusCode != tt.status || se.Retryable() != tt.retryable {
				t.Fatalf("got code %q status %d retryable %v; want %q %d %v", se.Code, se.StatusCode, se.Retryable(), tt.code, tt.status, tt.retryable)
			}
			if calls != 1 {
				t.Fatalf("%d calls with max attempts 1", calls)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  s3.Config
		opts []s3.Option
	}{
		{"no bucket", s3.Config{Endpoint: "http://x"}, nil},
		{"bad endpoint", s3.Config{Bucket: "b", Endpoint: "127.0.0.1:9000"}, nil},
		{"half credentials", s3.Config{Bucket: "b", AccessKeyID: "a"}, nil},
		{"no credentials", s3.Config{Bucket: "b"}, nil},
		{"keys and ambient", s3.Config{Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s", AmbientCredentials: true}, nil},
		{"zero attempts", s3.Config{Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s"}, []s3.Option{s3.WithMaxAttempts(0)}},
		{"nil client", s3.Config{Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s"}, []s3.Option{s3.WithHTTPClient(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s3.New(tt.cfg, tt.opts...); err == nil {
				t.Fatal("New accepted a bad configuration")
			}
		})
	}
}

func TestCheckKey(t *testing.T) {
	s, err := s3.New(s3.Config{Endpoint: "http://127.0.0.1:1", Bucket: "b", AccessKeyID: "k", SecretAccessKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key string
		ok  bool
	}{
		{"a/b.json", true},
		{strings.Repeat("k", s3.MaxKeyBytes), true},
		{strings.Repeat("k", s3.MaxKeyBytes+1), false},
		{"", false},
		{"bad\xffutf8", false},
	} {
		err := s.CheckKey(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("CheckKey(%.32q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && sinks.Retryable(err) {
			t.Errorf("CheckKey(%.32q) = %v: reported retryable", tt.key, err)
		}
		// Put refuses the same keys before sending anything (the endpoint
		// is closed: a request would fail as retryable network trouble).
		if !tt.ok {
			if err := s.Put(context.Background(), sinks.Object{Key: tt.key, Body: []byte("x")}); err == nil || sinks.Retryable(err) {
				t.Errorf("Put(%.32q) = %v, want a permanent error", tt.key, err)
			}
		}
	}
}

// TestAmbientCredentials: a store that asks for the ambient credentials
// signs with the SDK's default chain (here the environment) and is taken
// by a real S3 server; without the request and without keys, New refuses.
func TestAmbientCredentials(t *testing.T) {
	srv := s3test.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	if _, err := s3.New(s3.Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, PathStyle: true}); !errors.Is(err, s3.ErrNoCredentials) {
		t.Fatalf("New without keys or the ambient flag = %v, want ErrNoCredentials", err)
	}
	st := storeFor(t, srv, func(c *s3.Config) { c.AccessKeyID, c.SecretAccessKey, c.AmbientCredentials = "", "", true })
	if err := st.Put(context.Background(), sinks.Object{Key: "ambient.json", Body: []byte("{}")}); err != nil {
		t.Fatalf("Put with the ambient credentials: %v", err)
	}
	if got := srv.Get("ambient.json"); string(got) != "{}" {
		t.Fatalf("read back %q", got)
	}
}
