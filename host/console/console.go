package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/sluice-io/sluice/host/auth"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/host/streams"
)

// Prefix is the path the console is served under.
const Prefix = "/console"

// Bounds of what one page shows.
const (
	// MaxListed is the most streams, delivery streams or modules a list
	// page shows.
	MaxListed = 500
	// MaxTailRecords is the most records one poll of the live tail
	// returns, each cut to MaxShownBytes of data.
	MaxTailRecords = 100
	MaxShownBytes  = 1 << 10
	// MaxSampleBytes is the largest sample the module test form takes.
	MaxSampleBytes = 256 << 10
	// loginRate and loginBurst bound login attempts over every client,
	// so a secret cannot be guessed quickly.
	loginRate  = 2
	loginBurst = 10
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config says what the console shows and who may see it.
type Config struct {
	Streams  *streams.Engine
	Delivery *delivery.Manager
	Modules  *modules.Registry
	// Invoker runs the module test form's samples (rest.API.Invoke).
	Invoker *rest.API
	// Sampler holds the charts' metrics; nil shows no charts.
	Sampler *Sampler
	// Keys are the access keys a login is checked against; none means
	// authentication is off, and the console needs no login.
	Keys *auth.Keys
	// Region and AccountID name the resources a key's grants are
	// checked on.
	Region, AccountID string
	// TLS says the listener serves TLS: the session cookie is then
	// Secure.
	TLS    bool
	Logger *slog.Logger
	// Now is the clock of sessions; nil is time.Now.
	Now func() time.Time
}

// Console is the web console's handler.
type Console struct {
	cfg   Config
	log   *slog.Logger
	ses   *sessions
	arns  auth.ARNs
	pages map[string]*template.Template
	mux   *http.ServeMux
	login *rate.Limiter
}

// New returns the console for cfg.
func New(cfg Config) (*Console, error) {
	if cfg.Streams == nil || cfg.Delivery == nil || cfg.Modules == nil || cfg.Invoker == nil {
		return nil, errors.New("console: streams, delivery, modules and invoker are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ses, err := newSessions(cfg.Keys, cfg.Now)
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, log: cfg.Logger, ses: ses, arns: auth.NewARNs(cfg.Region, cfg.AccountID),
		pages: map[string]*template.Template{}, login: rate.NewLimiter(loginRate, loginBurst)}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+Prefix+"/login", c.loginPage)
	m.HandleFunc("POST "+Prefix+"/login", c.loginPost)
	m.HandleFunc("POST "+Prefix+"/logout", c.authed(c.logout))
	m.HandleFunc("GET "+Prefix+"/{$}", c.authed(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, Prefix+"/streams", http.StatusSeeOther)
	}))
	m.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	})
	m.HandleFunc("GET "+Prefix+"/streams", c.authed(c.streamsPage))
	m.HandleFunc("GET "+Prefix+"/streams/{name}", c.authed(c.streamPage))
	m.HandleFunc("GET "+Prefix+"/streams/{name}/tail", c.authed(c.tailPage))
	m.HandleFunc("GET "+Prefix+"/api/tail", c.authed(c.tailAPI))
	m.HandleFunc("GET "+Prefix+"/delivery", c.authed(c.deliveriesPage))
	m.HandleFunc("GET "+Prefix+"/delivery/{name}", c.authed(c.deliveryPage))
	m.HandleFunc("GET "+Prefix+"/delivery/{name}/errors", c.authed(c.errorsPage))
	m.HandleFunc("GET "+Prefix+"/modules", c.authed(c.modulesPage))
	m.HandleFunc("GET "+Prefix+"/modules/{name}", c.authed(c.modulePage))
	m.HandleFunc("POST "+Prefix+"/modules/{name}/test", c.authed(c.moduleTest))
	m.HandleFunc("GET "+Prefix+"/charts", c.authed(c.chartsPage))
	m.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, nil, http.StatusNotFound, "There is no console page at %s.", r.URL.Path)
	})
	c.mux = m
	return c, nil
}

// ServeHTTP serves the console's pages with headers that keep them out
// of frames, caches and other origins' scripts.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer a browser sends
	// "Origin: null" on the console's own form posts, which host/auth's
	// browser guard refuses as cross-origin.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

// authed runs h with the request's session; without one, a page
// redirects to the login form and the JSON API answers 401. A POST must
// carry the session's CSRF token.
func (c *Console) authed(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se, err := c.ses.check(r)
		if err != nil {
			if strings.HasPrefix(r.URL.Path, Prefix+"/api/") || r.Method != http.MethodGet {
				http.Error(w, "Log in to the console first.", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			// Form encoding takes up to 3 bytes per byte of the sample.
			r.Body = http.MaxBytesReader(w, r.Body, 3*MaxSampleBytes+64<<10)
			if err := r.ParseForm(); err != nil {
				c.fail(w, r, se, http.StatusBadRequest, "The form could not be read: %v", err)
				return
			}
			if r.PostForm.Get(csrfField) != se.csrf {
				c.fail(w, r, se, http.StatusForbidden, "The form's token is missing or stale: reload the page and try again.")
				return
			}
		}
		h(w, r, se)
	}
}

// page is what every template gets.
type page struct {
	Title   string
	Section string
	User    string
	Open    bool // authentication off
	CSRF    string
	Expires time.Time
	Error   string
	Data    any
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, se *session, status int, name, title, section string, data any) {
	t := c.pages[name]
	p := page{Title: title, Section: section, Data: data, Open: c.ses.open()}
	if se != nil {
		p.User, p.CSRF, p.Expires = se.user(), se.csrf, se.exp
	}
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		c.log.Warn("console: rendering a page", "page", name, "error", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail shows an error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, se *session, status int, format string, args ...any) {
	c.render(w, r, se, status, "error", http.StatusText(status), "", fmt.Sprintf(format, args...))
}

// denied shows that the session's key may not do action.
func (c *Console) denied(w http.ResponseWriter, r *http.Request, se *session, action string, res auth.Resource) {
	c.fail(w, r, se, http.StatusForbidden, "Your access key may not do %s on %s.", action, res.ARN)
}

// engineError shows an engine's error: not found is 404, a bad name 400,
// anything else 503 with its message (JetStream may be unreachable).
func (c *Console) engineError(w http.ResponseWriter, r *http.Request, se *session, err error) {
	status := http.StatusServiceUnavailable
	switch {
	case errors.Is(err, streams.ErrNotFound), errors.Is(err, delivery.ErrNotFound), errors.Is(err, modules.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, streams.ErrValidation), errors.Is(err, streams.ErrInvalidArgument), errors.Is(err, modules.ErrInvalidName),
		errors.Is(err, modules.ErrInvalidRef), errors.Is(err, delivery.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, context.Canceled):
		return
	}
	c.fail(w, r, se, status, "%v", err)
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.ses.open() {
		http.Redirect(w, r, Prefix+"/streams", http.StatusSeeOther)
		return
	}
	c.render(w, r, nil, http.StatusOK, "login", "Log in", "", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

type loginData struct{ Next, AccessKeyID string }

func (c *Console) loginPost(w http.ResponseWriter, r *http.Request) {
	if c.ses.open() {
		http.Redirect(w, r, Prefix+"/streams", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, nil, http.StatusBadRequest, "The form could not be read: %v", err)
		return
	}
	id, secret := strings.TrimSpace(r.PostForm.Get("accessKeyId")), r.PostForm.Get("secretAccessKey")
	next := safeNext(r.PostForm.Get("next"))
	if !c.login.Allow() {
		c.renderLoginError(w, r, http.StatusTooManyRequests, next, id, "Too many login attempts: wait a few seconds.")
		return
	}
	k, ok := c.cfg.Keys.Authenticate(id, secret)
	if !ok {
		c.log.Info("console login refused", "access_key_id", id, "remote", r.RemoteAddr)
		// 403, not 401: a 401 needs a WWW-Authenticate challenge, and
		// Chromium shows no page for one without.
		c.renderLoginError(w, r, http.StatusForbidden, next, id, "Unknown access key id or wrong secret.")
		return
	}
	v, exp := c.ses.issue(k)
	http.SetCookie(w, cookie(v, exp, c.cfg.TLS))
	c.log.Info("console login", "access_key_id", k.AccessKeyID, "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) renderLoginError(w http.ResponseWriter, r *http.Request, status int, next, id, msg string) {
	t := c.pages["login"]
	var b strings.Builder
	_ = t.Execute(&b, page{Title: "Log in", Error: msg, Data: loginData{Next: next, AccessKeyID: id}})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	http.SetCookie(w, cookie("", time.Time{}, c.cfg.TLS))
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/streams"
	}
	return next
}
