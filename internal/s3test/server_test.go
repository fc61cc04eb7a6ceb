package s3test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func put(t *testing.T, s *Server, key, body string) error {
	t.Helper()
	_, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: strings.NewReader(body),
	})
	return err
}

func TestStartPutGetList(t *testing.T) {
	s := Start(t)
	for _, k := range []string{"a/1", "a/2", "b/1"} {
		if err := put(t, s, k, "body of "+k); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(s.Get("a/2")); got != "body of a/2" {
		t.Fatalf("Get = %q", got)
	}
	if got := strings.Join(s.List("a/"), ","); got != "a/1,a/2" {
		t.Fatalf("List(a/) = %s", got)
	}
	if got := len(s.List("")); got != 3 {
		t.Fatalf("List() has %d keys", got)
	}
}

func TestStopRestartKeepsObjects(t *testing.T) {
	s := Start(t)
	if err := put(t, s, "k", "before"); err != nil {
		t.Fatal(err)
	}
	endpoint := s.Endpoint
	s.Stop()
	if err := put(t, s, "k2", "while down"); err == nil {
		t.Fatal("put succeeded while the server was stopped")
	}
	s.Stop() // idempotent
	s.Restart()
	if s.Endpoint != endpoint {
		t.Fatalf("endpoint changed: %s -> %s", endpoint, s.Endpoint)
	}
	if got := s.Get("k"); !bytes.Equal(got, []byte("before")) {
		t.Fatalf("after restart Get = %q", got)
	}
	if err := put(t, s, "k2", "after"); err != nil {
		t.Fatal(err)
	}
}
