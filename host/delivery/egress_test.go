package delivery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluice-io/sluice/host/egress"
	"github.com/sluice-io/sluice/internal/dnstest"
)

// TestForbiddenEndpointsRefusedAtApply: HTTP and S3 destinations that
// would reach a metadata or link-local address (literally, or by a name
// that resolves to one) or a host outside the allow-list are refused when
// they are created.
func TestForbiddenEndpointsRefusedAtApply(t *testing.T) {
	ctx := context.Background()
	dns := dnstest.Start(t)
	dns.Set("metadata.test", "169.254.169.254")
	dns.Set("v6.test", "fe80::1")
	dns.Set("ok.test", "127.0.0.1")
	open := func(allow []string) *env {
		p, err := egress.New(allow, egress.WithResolver(dns.Resolver()))
		if err != nil {
			t.Fatal(err)
		}
		return newEnvWith(t, func(c *Config) { c.Egress = p })
	}
	e := open(nil)
	errDir := t.TempDir()
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fd00:ec2::254]/",
		"http://metadata.google.internal/",
		"http://metadata.test/",
		"http://v6.test:8080/",
	} {
		if _, err := e.m.Create(ctx, httpDef("meta", u, errDir)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("HTTP destination %s: %v, want ErrInvalid (not allowed)", u, err)
		}
		s3 := Definition{Name: "meta-s3", Buffering: Buffering{IntervalSeconds: intp(0)}, Destination: Destination{Kind: DestS3,
			S3: &S3Dest{Endpoint: u, Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s", PathStyle: true}}}
		if _, err := e.m.Create(ctx, s3); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("S3 destination %s: %v, want ErrInvalid (not allowed)", u, err)
		}
	}
	// The error store of an HTTP destination is checked too.
	d := httpDef("meta-errors", "http://ok.test:1/", errDir)
	d.Destination.HTTP.ErrorStore = &Destination{Kind: DestS3, S3: &S3Dest{Endpoint: "http://169.254.169.254", Bucket: "b", AccessKeyID: "a", SecretAccessKey: "s"}}
	if _, err := e.m.Create(ctx, d); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "errorStore") {
		t.Errorf("an error store at the metadata address: %v", err)
	}

	restricted := open([]string{"*.allowed.test", "127.0.0.1"})
	if _, err := restricted.m.Create(ctx, httpDef("other", "http://ok.test:1/", errDir)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a host outside the allow-list: %v", err)
	}
	if _, err := restricted.m.Create(ctx, httpDef("listed", "http://127.0.0.1:1/", errDir)); err != nil {
		t.Errorf("a listed address refused: %v", err)
	}
}

// TestEndpointRebindingRefusedAtConnect: a name that resolved to an
// allowed address when the delivery stream was created and to the
// metadata address later is refused when the connection is made; its
// records go to the error output saying why, and nothing reaches the
// address.
func TestEndpointRebindingRefusedAtConnect(t *testing.T) {
	var hits atomic.Int64
	ep := &endpoint{records: map[string]int{}, ids: map[string]bool{}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Connection", "close") // every request dials again
		ep.ServeHTTP(w, r)
	}))
	defer hs.Close()
	u, _ := url.Parse(hs.URL)
	dns := dnstest.Start(t)
	dns.Set("flip.test", "127.0.0.1")
	p, err := egress.New(nil, egress.WithResolver(dns.Resolver()))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, func(c *Config) { c.Egress = p })
	errDir := t.TempDir()
	e.create(httpDef("flip", "http://flip.test:"+u.Port()+"/", errDir))
	e.waitCheckpoint("flip", lastID(t, e.put("flip", numbered(2, `{"n":%d}`))))
	before := hits.Load()

	dns.Set("flip.test", "169.254.169.254")
	failed := numbered(3, `{"after":%d}`)
	e.waitCheckpoint("flip", lastID(t, e.put("flip", failed)))
	errs := errorLines(t, objects(t, errDir), "errors/http-endpoint-failed/")
	if len(errs) != len(failed) {
		t.Fatalf("%d records in the error output, want %d", len(errs), len(failed))
	}
	if !strings.Contains(errs[0].ErrorMessage, "169.254.169.254") || !strings.Contains(errs[0].ErrorMessage, "not allowed") {
		t.Errorf("error message %q does not say the address was refused", errs[0].ErrorMessage)
	}
	if hits.Load() != before {
		t.Errorf("the endpoint was reached %d more times", hits.Load()-before)
	}
}
