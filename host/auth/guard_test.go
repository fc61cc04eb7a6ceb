package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var testKey = Key{AccessKeyID: "AKIDGUARD000000001", SecretAccessKey: "guard-secret-0123456789"}

// guarded is a Guard in front of a mux whose routes answer 200 and count
// the requests that reached them.
func guarded(t *testing.T) (*httptest.Server, *int) {
	t.Helper()
	ks, err := NewKeys(testKey)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{Keys: ks, Region: "us-east-1", AccountID: "000000000000", ModuleMaxBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	reached := new(int)
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*reached++
		_, _ = w.Write(b)
	})
	mux.Handle(AWSPattern, ok)
	mux.Handle("POST /v1/modules/{name}", ok)
	srv := httptest.NewServer(g.API(mux))
	t.Cleanup(srv.Close)
	return srv, reached
}

func send(t *testing.T, srv *httptest.Server, path, target string, body []byte, hdr map[string]string, signedLen int64) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	service := ServiceKinesis
	if strings.HasPrefix(path, "/v1/") {
		service = ServiceSluice
	}
	if signedLen >= 0 {
		req.ContentLength = signedLen
	}
	if err := Sign(context.Background(), req, body, aws.Credentials{AccessKeyID: testKey.AccessKeyID, SecretAccessKey: testKey.SecretAccessKey}, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type  string `json:"__type"`
		Error struct{ Code string }
	}
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Type + e.Error.Code
}

// TestGuardBodies: the payload hash, a signed x-amz-content-sha256, a
// signed content-length, and bodies over their route's limit (which are
// refused without reaching the handler).
func TestGuardBodies(t *testing.T) {
	srv, reached := guarded(t)
	body := []byte(`{"StreamName":"s"}`)
	sum := sha256.Sum256(body)
	good := hex.EncodeToString(sum[:])
	cases := []struct {
		name, path string
		body       []byte
		hdr        map[string]string
		signedLen  int64
		status     int
		code       string
	}{
		{"plain", "/", body, nil, -1, 200, ""},
		{"content-length signed", "/", body, nil, int64(len(body)), 200, ""},
		{"payload hash header", "/", body, map[string]string{"X-Amz-Content-Sha256": good}, -1, 200, ""},
		{"payload hash header wrong", "/", body, map[string]string{"X-Amz-Content-Sha256": strings.Repeat("ab", 32)}, -1, 400, CodeInvalidSignature},
		{"unsigned payload", "/", body, map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}, -1, 400, CodeInvalidSignature},
		{"module over its limit", "/v1/modules/m", bytes.Repeat([]byte("x"), 2<<10), nil, -1, 413, "TooLarge"},
		{"module at its limit", "/v1/modules/m", bytes.Repeat([]byte("x"), 1<<10), nil, -1, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := *reached
			status, code := send(t, srv, c.path, "Kinesis_20131202.ListStreams", c.body, c.hdr, c.signedLen)
			if status != c.status || code != c.code {
				t.Fatalf("got %d %q, want %d %q", status, code, c.status, c.code)
			}
			if got := *reached - before; (c.status == 200) != (got == 1) {
				t.Fatalf("the handler ran %d times", got)
			}
		})
	}
}
