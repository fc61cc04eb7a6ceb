package console_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/console"
	"github.com/sluice-io/sluice/host/tlsconf"
	"github.com/sluice-io/sluice/internal/tlstest"
)

// login posts the login form and returns the session cookie it set (nil
// when none) and the answer.
func login(t *testing.T, base, id, secret string) (*http.Cookie, *http.Response) {
	t.Helper()
	form := url.Values{"accessKeyId": {id}, "secretAccessKey": {secret}, "next": {"/console/delivery"}}
	req := mustReq(t, http.MethodPost, base+"/console/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := fetch(t, req)
	for _, c := range resp.Cookies() {
		if c.Name == console.CookieName && c.Value != "" {
			return c, resp
		}
	}
	return nil, resp
}

func get(t *testing.T, url string, c *http.Cookie) (*http.Response, string) {
	t.Helper()
	req := mustReq(t, http.MethodGet, url, nil)
	if c != nil {
		req.AddCookie(c)
	}
	return fetch(t, req)
}

// TestConsoleNeedsASession: with keys configured, every console page and
// the tail API refuse a request without a valid session (a page redirects
// to the login form), a forged or altered cookie is no session, a wrong
// secret gets no cookie, and a session's POST needs its CSRF token.
func TestConsoleNeedsASession(t *testing.T) {
	keys, err := auth.NewKeys(adminKey, readerKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := server(t, keys)
	base := "http://" + srv.HTTPAddr()

	for _, p := range []string{"/console/streams", "/console/delivery", "/console/modules", "/console/charts", "/console/streams/x/tail"} {
		resp, _ := get(t, base+p, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login?next=") {
			t.Errorf("GET %s without a session: %d, Location %q; want 303 to the login form", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := get(t, base+"/console/api/tail?stream=x&shard=y", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tail API without a session: %d, want 401", resp.StatusCode)
	}
	if resp, body := get(t, base+"/console/login", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="secretAccessKey"`) {
		t.Errorf("login form: %d %s", resp.StatusCode, body)
	}

	if c, resp := login(t, base, adminKey.AccessKeyID, "wrong-secret-0123456789"); c != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a wrong secret: %d, cookie %v; want 403 and none", resp.StatusCode, c)
	}
	if c, resp := login(t, base, "AKIANOSUCHKEY0000001", adminKey.SecretAccessKey); c != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with an unknown key: %d, cookie %v; want 403 and none", resp.StatusCode, c)
	}
	c, resp := login(t, base, adminKey.AccessKeyID, adminKey.SecretAccessKey)
	if c == nil || resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/delivery" {
		t.Fatalf("login: %d, Location %q, cookie %v", resp.StatusCode, resp.Header.Get("Location"), c)
	}
	setCookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/console"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("session cookie %q lacks %s", setCookie, want)
		}
	}
	if strings.Contains(setCookie, adminKey.SecretAccessKey) {
		t.Errorf("the session cookie holds the secret: %q", setCookie)
	}
	if resp, body := get(t, base+"/console/streams", c); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="streams"`) {
		t.Fatalf("streams page with the session: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, base+"/console/streams", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("streams page without a cookie after a login: %d", resp.StatusCode)
	}

	// Forgeries: each part of id.expiry.nonce.mac changed.
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		t.Fatalf("cookie %q: want 4 parts", c.Value)
	}
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	forged := map[string]string{
		"mac changed":         strings.Join([]string{parts[0], parts[1], parts[2], flip(parts[3])}, "."),
		"expiry extended":     strings.Join([]string{parts[0], "9999999999", parts[2], parts[3]}, "."),
		"other key":           strings.Join([]string{readerKey.AccessKeyID, parts[1], parts[2], parts[3]}, "."),
		"nonce changed":       strings.Join([]string{parts[0], parts[1], flip(parts[2]), parts[3]}, "."),
		"no mac":              strings.Join(parts[:3], "."),
		"made up":             adminKey.AccessKeyID + ".9999999999.AAAA.AAAA",
		"the secret as a mac": strings.Join([]string{parts[0], parts[1], parts[2], adminKey.SecretAccessKey}, "."),
	}
	for name, v := range forged {
		resp, _ := get(t, base+"/console/streams", &http.Cookie{Name: console.CookieName, Value: v})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("forged cookie (%s): %d, want 303 to the login form", name, resp.StatusCode)
		}
	}

	// A POST without the session's CSRF token is refused.
	req := mustReq(t, http.MethodPost, base+"/console/modules/x/test", strings.NewReader("sample=a&csrf=nope"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c)
	if resp, _ := fetch(t, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	// A cross-site POST never reaches the console (host/auth's browser guard).
	req = mustReq(t, http.MethodPost, base+"/console/login", strings.NewReader("accessKeyId=a&secretAccessKey=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if resp, _ := fetch(t, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin login POST: %d, want 403", resp.StatusCode)
	}

	// A key that may not list delivery streams is told so, not shown them.
	rc, _ := login(t, base, readerKey.AccessKeyID, readerKey.SecretAccessKey)
	if rc == nil {
		t.Fatal("reader login failed")
	}
	if resp, body := get(t, base+"/console/delivery", rc); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "firehose:ListDeliveryStreams") {
		t.Errorf("delivery page for a key without firehose rights: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, base+"/console/streams", rc); resp.StatusCode != http.StatusOK {
		t.Errorf("streams page for the reader: %d", resp.StatusCode)
	}

	// Logging out ends the cookie in the browser.
	req = mustReq(t, http.MethodPost, base+"/console/logout", strings.NewReader("csrf=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c)
	if resp, _ := fetch(t, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without its token: %d, want 403", resp.StatusCode)
	}
}

// TestConsoleOpenWithoutKeys: a server without keys (loopback only) serves
// the console without a login, as it serves its APIs.
func TestConsoleOpenWithoutKeys(t *testing.T) {
	srv := server(t, nil)
	base := "http://" + srv.HTTPAddr()
	resp, body := get(t, base+"/console/streams", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "authentication off") {
		t.Fatalf("streams page without keys: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, base+"/console/login", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("login page without keys: %d, want a redirect to the console", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/console/nothing-here", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown console page: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/console/streams/no-such-stream", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown stream: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/console/streams/bad%20name!", nil); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
		t.Errorf("bad stream name: %d, want 400 or 404", resp.StatusCode)
	}
}

// TestConsoleCookieSecureOverTLS: over TLS the session cookie is Secure,
// so a browser never sends it in clear.
func TestConsoleCookieSecureOverTLS(t *testing.T) {
	keys, err := auth.NewKeys(adminKey)
	if err != nil {
		t.Fatal(err)
	}
	ca := tlstest.NewCA(t, "console test CA")
	leaf := ca.Server(t, "localhost", "127.0.0.1")
	srv, err := host.Open(context.Background(), host.Config{
		DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", OutputRoot: t.TempDir(),
		TLS:      tlsconf.Files{Cert: leaf.CertFile, Key: leaf.KeyFile},
		Security: host.SecurityConfig{Keys: keys},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	form := url.Values{"accessKeyId": {adminKey.AccessKeyID}, "secretAccessKey": {adminKey.SecretAccessKey}}
	resp, err := client.PostForm("https://"+srv.HTTPAddr()+"/console/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := resp.Header.Get("Set-Cookie"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(sc, "; Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("login over TLS: %d, Set-Cookie %q; want a Secure, HttpOnly cookie", resp.StatusCode, sc)
	}
}
