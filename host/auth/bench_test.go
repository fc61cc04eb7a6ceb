package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// BenchmarkGuardPutRecords measures what the guard adds to a PutRecords
// of 500 records of 1 KiB (about 700 KB of JSON): the body's SHA-256, the
// signature, and for a key with resource grants the decoding of the names
// in the body.
func BenchmarkGuardPutRecords(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"Records":[`)
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 1024))
	for i := range 500 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"Data":"%s","PartitionKey":"k%d"}`, data, i)
	}
	sb.WriteString(`],"StreamName":"sensors-1"}`)
	body := []byte(sb.String())
	full := Key{AccessKeyID: "AKIDBENCHFULL00001", SecretAccessKey: "bench-secret-0123456789"}
	limited := Key{AccessKeyID: "AKIDBENCHLIMITED01", SecretAccessKey: "bench-secret-0123456789",
		Permissions: []Grant{{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}}}}
	ks, err := NewKeys(full, limited)
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(Config{Keys: ks, Region: "us-east-1", AccountID: "000000000000", ModuleMaxBytes: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(AWSPattern, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	h := g.API(mux)
	for _, k := range []Key{full, limited} {
		b.Run(k.AccessKeyID, func(b *testing.B) {
			req := httptest.NewRequest("POST", "http://127.0.0.1:4566/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
			if err := Sign(context.Background(), req, body, aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, "kinesis", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r := req.Clone(context.Background())
				r.Body = http.NoBody
				r.Body = readCloser{bytes.NewReader(body)}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
