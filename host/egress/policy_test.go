package egress

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/internal/dnstest"
)

func TestNewRefusesBadPatterns(t *testing.T) {
	for _, bad := range []string{"", "http://x.example", "x.example:443", "x.example/path", "*.", "10.0.0.0/33", "a..b", "*"} {
		if _, err := New([]string{bad}); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
	if _, err := New([]string{"S3.Example.COM.", "*.example.com", "10.0.0.7", "10.0.0.0/8", "fd00::/8", "[fd00::7]"}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckURL: what apply refuses, by allow-list, for IP literals and for
// names whose answer the test's DNS server gives.
func TestCheckURL(t *testing.T) {
	dns := dnstest.Start(t)
	dns.Set("metadata.test", "169.254.169.254")
	dns.Set("ecs-creds.test", "169.254.170.2")
	dns.Set("v6meta.test", "fd00:ec2::254")
	dns.Set("mixed.test", "127.0.0.1", "169.254.169.254")
	dns.Set("ok.test", "127.0.0.1")
	dns.Set("s3.internal.test", "10.1.2.3")
	tests := []struct {
		allow []string
		url   string
		ok    bool
	}{
		{nil, "http://127.0.0.1:9000/", true},
		{nil, "https://ok.test/", true},
		{nil, "http://unresolvable.test/", true}, // checked again at connect time
		{nil, "http://169.254.169.254/latest/meta-data/", false},
		{nil, "http://[::ffff:169.254.169.254]/", false},
		{nil, "http://[fe80::1%25eth0]/", false},
		{nil, "http://[fd00:ec2::254]/", false},
		{nil, "http://100.100.100.200/", false},
		{nil, "http://metadata.google.internal/computeMetadata/v1/", false},
		{nil, "http://METADATA.google.internal./", false},
		{nil, "http://metadata.test/", false},
		{nil, "http://ecs-creds.test/", false},
		{nil, "http://v6meta.test/", false},
		{nil, "http://mixed.test/", false},
		{[]string{"169.254.169.254"}, "http://169.254.169.254/", true},
		{[]string{"169.254.169.254"}, "http://metadata.test/", false}, // the name is not allowed
		{[]string{"metadata.test", "169.254.169.254"}, "http://metadata.test/", true},
		{[]string{"0.0.0.0/0"}, "http://169.254.169.254/", false}, // not explicit
		{[]string{"*.test"}, "http://metadata.test/", false},      // a name pattern never allows a forbidden address
		{[]string{"*.google.internal"}, "http://metadata.google.internal/", false},
		{[]string{"metadata.google.internal"}, "http://metadata.google.internal/", true},
		{[]string{"*.internal.test"}, "http://s3.internal.test/", true},
		{[]string{"*.internal.test"}, "http://internal.test/", false},
		{[]string{"*.internal.test"}, "http://ok.test/", false},
		{[]string{"*.internal.test"}, "http://10.1.2.3/", false},
		{[]string{"10.0.0.0/8"}, "http://10.1.2.3/", true},
		{[]string{"10.0.0.0/8"}, "http://s3.internal.test/", false}, // names need a name pattern
		{[]string{"ok.test"}, "http://OK.test:8080/", true},
	}
	for _, tc := range tests {
		p, err := New(tc.allow, WithResolver(dns.Resolver()))
		if err != nil {
			t.Fatal(err)
		}
		err = p.CheckURL(context.Background(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("allow %v: CheckURL(%s) = %v, want ok=%v", tc.allow, tc.url, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrRefused) {
			t.Errorf("allow %v: CheckURL(%s) = %v, want ErrRefused", tc.allow, tc.url, err)
		}
	}
}

// TestDialChecksResolvedAddress: a name that passed the check at apply and
// resolves to a metadata address by the time the connection is made (DNS
// rebinding) is refused by the dialer before it connects; the same client
// reaches an allowed address.
func TestDialChecksResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "reached") }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	dns := dnstest.Start(t)
	dns.Set("rebind.test", "127.0.0.1")
	p, err := New(nil, WithResolver(dns.Resolver()))
	if err != nil {
		t.Fatal(err)
	}
	target := "http://rebind.test:" + port + "/"
	if err := p.CheckURL(context.Background(), target); err != nil {
		t.Fatalf("CheckURL while the name resolves to loopback: %v", err)
	}
	c := p.HTTPClient()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatalf("GET while allowed: %v", err)
	}
	resp.Body.Close()
	c.CloseIdleConnections()

	dns.Set("rebind.test", "169.254.169.254")
	_, err = c.Get(target)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("GET after the name moved to the metadata address = %v, want ErrRefused", err)
	}
	if !strings.Contains(err.Error(), "169.254.169.254") {
		t.Errorf("the refusal does not name the address: %v", err)
	}
	// An IP literal and a forbidden name are refused by the dialer too.
	for _, u := range []string{"http://169.254.169.254:" + port + "/", "http://metadata.google.internal:" + port + "/"} {
		if _, err := c.Get(u); !errors.Is(err, ErrRefused) {
			t.Errorf("GET %s = %v, want ErrRefused", u, err)
		}
	}
}

// TestNoRedirects: the client returns a redirect as it is, so an endpoint
// cannot send the request (and its headers) to another host.
func TestNoRedirects(t *testing.T) {
	reached := false
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	p, _ := New(nil)
	resp, err := p.HTTPClient().Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || reached {
		t.Fatalf("status %d, other host reached %v: want the redirect answered as it is", resp.StatusCode, reached)
	}
}

// TestRestrictedDial: with an allow-list, the dialer refuses a host the
// list does not match, even when the URL's host was allowed (a proxy
// request to another host is checked before it leaves).
func TestRestrictedDial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	allowed, _ := New([]string{"127.0.0.1"})
	if resp, err := allowed.HTTPClient().Get(srv.URL); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	other, _ := New([]string{"10.0.0.0/8"})
	if _, err := other.HTTPClient().Get(srv.URL); !errors.Is(err, ErrRefused) {
		t.Fatalf("GET %s with only 10.0.0.0/8 allowed = %v, want ErrRefused", u.Host, err)
	}
}
