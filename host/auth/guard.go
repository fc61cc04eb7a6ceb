package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-io/sluice/host/awsjson"
)

// Config says which keys a Guard accepts and where it runs.
type Config struct {
	// Keys are the access keys; at least one.
	Keys *Keys
	// Region is the region a credential scope must name (the server's
	// --region); AccountID goes into the ARNs of resources.
	Region    string
	AccountID string
	// ModuleMaxBytes is the largest module a push may carry (the module
	// registry's MaxSize).
	ModuleMaxBytes int64
	// Logger gets a debug line for each refused request; nil discards.
	Logger *slog.Logger
	// Now is the clock signatures are checked against; nil is time.Now.
	Now func() time.Time
}

// Guard checks the signature and the permissions of every request before
// its handler runs.
type Guard struct {
	cfg  Config
	log  *slog.Logger
	v    *verifier
	arns arns
}

// New returns a Guard for cfg.
func New(cfg Config) (*Guard, error) {
	if cfg.Keys.Len() == 0 {
		return nil, errors.New("auth: a guard needs at least one key")
	}
	if cfg.Region == "" || cfg.AccountID == "" {
		return nil, errors.New("auth: a guard needs the server's region and account id")
	}
	if cfg.ModuleMaxBytes <= 0 {
		return nil, fmt.Errorf("auth: ModuleMaxBytes %d must be > 0", cfg.ModuleMaxBytes)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Guard{
		cfg:  cfg,
		log:  cfg.Logger,
		v:    &verifier{keys: cfg.Keys, region: cfg.Region, now: cfg.Now, signer: v4.NewSigner()},
		arns: arns{region: cfg.Region, account: cfg.AccountID},
	}, nil
}

// API guards the server's API mux: the AWS JSON protocols on AWSPattern
// and the native REST routes. The route a request gets is the one mux
// itself picks (mux.Handler), so the guard and the mux never disagree
// about what a request is.
func (g *Guard) API(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		if !g.admit(w, r, pattern) {
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Metrics guards /metrics: a signed request (service "sluice") whose key
// may do sluice:GetMetrics.
func (g *Guard) Metrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, e := g.readBody(r, MaxBodilessBytes)
		if e == nil {
			var key *Key
			if key, e = g.v.verify(r.Context(), r, body, []string{ServiceSluice}); e == nil {
				e = g.authorize(key, []check{{ActionGetMetrics, anyResource}})
			}
		}
		if e != nil {
			g.refuse(w, r, e, shapeREST)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// admit checks the request the mux routes to pattern; it answers a
// refusal itself and reports whether the request may go on.
func (g *Guard) admit(w http.ResponseWriter, r *http.Request, pattern string) bool {
	sh := shapeREST
	if pattern == AWSPattern || (pattern == "" && !strings.HasPrefix(r.URL.Path, "/v1/")) {
		sh = shapeAWS
	}
	body, e := g.readBody(r, g.cfg.bodyLimit(pattern))
	if e != nil {
		g.refuse(w, r, e, sh)
		return false
	}
	var services []string
	var checks func(*Key) []check
	route, isREST := restRoutes[pattern]
	switch {
	case pattern == AWSPattern:
		service, action, kind, known := awsTarget(r.Header.Get("X-Amz-Target"))
		if !known {
			// An unknown target: the mux answers UnknownOperation,
			// after the signature is checked.
			services = []string{ServiceKinesis, ServiceFirehose}
			break
		}
		services = []string{service}
		_, op, _ := strings.Cut(action, ":")
		checks = func(k *Key) []check {
			if k.anyResourceAllowed(action) && (op != "CreateDeliveryStream" || k.anyResourceAllowed(ActionReadSource)) {
				return nil
			}
			return g.arns.awsChecks(action, op, kind, awsjson.ProtocolOf(r), body)
		}
	case isREST:
		services = []string{ServiceSluice}
		checks = func(*Key) []check { return g.arns.restChecks(pattern, route, r, body) }
	case pattern == "":
		// No route (404, 405): nothing runs, but the answer waits for a
		// valid signature like any other.
		services = []string{ServiceSluice, ServiceKinesis, ServiceFirehose}
	default:
		g.log.Error("route has no action in host/auth: refused", "pattern", pattern)
		g.refuse(w, r, newError(CodeAccessDenied, "The route %s has no action to authorize.", pattern), sh)
		return false
	}
	key, e := g.v.verify(r.Context(), r, body, services)
	if e == nil && checks != nil {
		e = g.authorize(key, checks(key))
	}
	if e != nil {
		g.refuse(w, r, e, sh)
		return false
	}
	return true
}

// authorize refuses the first check the key's permissions do not allow.
func (g *Guard) authorize(key *Key, checks []check) *Error {
	for _, c := range checks {
		if !key.Allowed(c.action, c.res) {
			return newError(CodeAccessDenied, "User: arn:aws:iam::%s:user/%s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
				g.cfg.AccountID, key.user(), c.action, c.res.ARN, c.action)
		}
	}
	return nil
}

// readBody reads r's body once, up to limit bytes, and puts it back for
// the handler. A body over the limit is refused before it is read whole.
func (g *Guard) readBody(r *http.Request, limit int64) ([]byte, *Error) {
	if r.ContentLength > limit {
		return nil, newError(CodeTooLarge, "Request body of %d bytes exceeds the limit of %d bytes.", r.ContentLength, limit)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, newError(CodeIncompleteSignature, "The request body could not be read: %v.", err)
	}
	if int64(len(body)) > limit {
		return nil, newError(CodeTooLarge, "Request body exceeds the limit of %d bytes.", limit)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, nil
}

func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, e *Error, sh shape) {
	g.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "target", r.Header.Get("X-Amz-Target"), "code", e.Code, "reason", e.Message)
	e.write(w, r, sh)
}
