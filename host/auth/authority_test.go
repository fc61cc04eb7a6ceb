package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestOwnSignatureMatchesSDK: the canonical request Sluice builds itself
// for clients that sign :authority (authoritySignature) is the SDK
// signer's to the byte: with the host header's name, it computes the
// signature the SDK's signer made, over odd paths, queries, repeated and
// spaced header values, and bodies, as the server receives them.
func TestOwnSignatureMatchesSDK(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: testKey.AccessKeyID, SecretAccessKey: testKey.SecretAccessKey}
	var checked int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		_, _ = body.ReadFrom(r.Body)
		a, aerr := parseAuthorization(r.Header.Get("Authorization"))
		if aerr != nil {
			t.Errorf("%s: %v", r.URL, aerr)
			return
		}
		at, err := time.Parse(amzDate, r.Header.Get("X-Amz-Date"))
		if err != nil {
			t.Error(err)
			return
		}
		sum := sha256.Sum256(body.Bytes())
		got := authoritySignature(r, "host", a.signedHeaders, body.Len(), hex.EncodeToString(sum[:]),
			creds.SecretAccessKey, a.date, a.region, a.service, at)
		if got != a.signature {
			t.Errorf("%s %s (signed %v): own signature %s, the SDK's %s", r.Method, r.URL, a.signedHeaders, got, a.signature)
		}
		checked++
	}))
	defer srv.Close()
	for _, c := range []struct {
		method, path, body string
		header             map[string][]string
	}{
		{"POST", "/", `{}`, map[string][]string{"X-Amz-Target": {"Kinesis_20131202.ListStreams"}, "Content-Type": {"application/x-amz-json-1.1"}}},
		{"POST", "/", "\xbf\xff", map[string][]string{"Content-Type": {"application/x-amz-cbor-1.1"}, "X-Amz-Target": {"Kinesis_20131202.ListStreams"}}},
		{"GET", "/v1/modules", ``, nil},
		{"GET", "/v1/modules/a%20b/versions/1", ``, nil},
		{"GET", "/v1/x%2Fy/~tilde", ``, nil},
		{"GET", "/v1/modules?b=two%20words&a=1&c=%2F&c=a&d=&e=%2A~", ``, nil},
		{"PUT", "/v1/delivery-streams/d", `{"name":"d"}`, map[string][]string{"X-Amz-Meta": {"  spaced   out  value ", "second"}, "X-Custom": {"a", "b"}}},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range c.header {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		if err := Sign(context.Background(), req, []byte(c.body), creds, ServiceSluice, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if checked != 7 {
		t.Fatalf("checked %d requests", checked)
	}
}
