package egress

import (
	"fmt"
	"net/http"
	"net/url"
)

// HTTPClient returns an HTTP client whose every connection goes through
// the policy (DialContext), with http.DefaultTransport's other settings.
// It follows no redirects: a redirect answer is returned as it is (a
// destination treats it as a failed request), so an endpoint cannot send
// a request, with its access key, to another host. A request through a
// proxy (HTTPS_PROXY and the like) has its URL's host checked before it
// goes to the proxy, and the proxy itself must be allowed too.
func (p *Policy) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = p.DialContext
	env := tr.Proxy
	tr.Proxy = func(r *http.Request) (*url.URL, error) {
		if _, err := p.checkHost(r.URL.Hostname()); err != nil {
			return nil, err
		}
		if env == nil {
			return nil, nil
		}
		return env(r)
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// String describes the policy for the log.
func (p *Policy) String() string {
	if !p.Restricted() {
		return "any endpoint but link-local and metadata addresses"
	}
	return fmt.Sprintf("%d names, %d wildcards, %d address ranges allowed", len(p.names), len(p.suffixes), len(p.prefixes))
}
