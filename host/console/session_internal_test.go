package console

import (
	"net/http"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/auth"
)

// TestSessionExpires: a session is refused from SessionTTL after its login
// on, and when its key's secret changes.
func TestSessionExpires(t *testing.T) {
	k := auth.Key{AccessKeyID: "AKIASESSIONTEST00001", SecretAccessKey: "session-test-secret-0123"}
	keys, err := auth.NewKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	s, err := newSessions(keys, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	v, _ := s.issue(&k)
	req := func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/console/streams", nil)
		r.AddCookie(&http.Cookie{Name: CookieName, Value: v})
		return r
	}
	se, err := s.check(req())
	if err != nil || se.key.AccessKeyID != k.AccessKeyID || se.csrf == "" {
		t.Fatalf("fresh session: %v %+v", err, se)
	}
	now = now.Add(SessionTTL - time.Second)
	if _, err := s.check(req()); err != nil {
		t.Fatalf("a session just before its expiry: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := s.check(req()); err == nil {
		t.Fatal("a session at its expiry was accepted")
	}
	// The same cookie, checked against the key with a new secret.
	now = now.Add(-time.Minute)
	rotated, _ := auth.NewKeys(auth.Key{AccessKeyID: k.AccessKeyID, SecretAccessKey: "a-new-secret-0123456789"})
	s.keys = rotated
	if _, err := s.check(req()); err == nil {
		t.Fatal("a session of a key whose secret changed was accepted")
	}
}
