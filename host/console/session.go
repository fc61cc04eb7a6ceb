package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-io/sluice/host/auth"
)

// Sessions of the console.
const (
	// SessionTTL is how long a login lasts; the user logs in again after.
	SessionTTL = time.Hour
	// CookieName is the session cookie's name.
	CookieName = "sluice_console"
	// csrfField is the form field that carries the CSRF token.
	csrfField = "csrf"
)

var errNoSession = errors.New("no valid session")

// sessions issues and checks session cookies: "ID.EXPIRY.NONCE.MAC",
// where MAC is an HMAC-SHA256, under a key made at random when the server
// starts, of the rest and of the key's secret. A cookie cannot be forged
// without the server's key, expires after SessionTTL, and dies when the
// server restarts or the access key's secret changes.
type sessions struct {
	keys   *auth.Keys // nil: authentication is off
	secret [32]byte
	now    func() time.Time
}

func newSessions(keys *auth.Keys, now func() time.Time) (*sessions, error) {
	s := &sessions{keys: keys, now: now}
	if _, err := rand.Read(s.secret[:]); err != nil {
		return nil, err
	}
	return s, nil
}

// open reports whether the console needs no login.
func (s *sessions) open() bool { return s.keys.Len() == 0 }

func (s *sessions) mac(payload, keySecret string) string {
	m := hmac.New(sha256.New, s.secret[:])
	m.Write([]byte(payload))
	m.Write([]byte{0})
	m.Write([]byte(keySecret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issue makes the cookie value of a new session of key k.
func (s *sessions) issue(k *auth.Key) (string, time.Time) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	exp := s.now().Add(SessionTTL)
	payload := k.AccessKeyID + "." + strconv.FormatInt(exp.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(nonce[:])
	return payload + "." + s.mac(payload, k.SecretAccessKey), exp
}

// session is a checked login.
type session struct {
	key  *auth.Key // nil when authentication is off
	csrf string
	exp  time.Time
}

// check returns the session r carries, or errNoSession.
func (s *sessions) check(r *http.Request) (*session, error) {
	if s.open() {
		return &session{csrf: s.mac("open-console", "")}, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil, errNoSession
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		return nil, errNoSession
	}
	k, ok := s.keys.Lookup(parts[0])
	if !ok {
		return nil, errNoSession
	}
	payload := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(s.mac(payload, k.SecretAccessKey))) {
		return nil, errNoSession
	}
	unix, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, errNoSession
	}
	exp := time.Unix(unix, 0)
	if !s.now().Before(exp) {
		return nil, errNoSession
	}
	return &session{key: k, exp: exp, csrf: s.mac("csrf."+payload, k.SecretAccessKey)}, nil
}

// cookie is the session cookie: HttpOnly (no script reads it), SameSite
// Strict (no other site's page sends it), Secure over TLS, scoped to
// /console.
func cookie(value string, exp time.Time, secure bool) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: value, Path: "/console", HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = exp
	}
	return c
}

// allowed reports whether the session may do action on res: with
// authentication off, everything; otherwise what its key's grants allow,
// as for a signed request.
func (se *session) allowed(action string, res auth.Resource) bool {
	return se.key == nil || se.key.Allowed(action, res)
}

// user names the session's key for the page header.
func (se *session) user() string {
	if se.key == nil {
		return ""
	}
	if se.key.Name != "" {
		return se.key.Name
	}
	return se.key.AccessKeyID
}
