package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every refusal of an address.
var ErrRefused = errors.New("endpoint not allowed")

// forbiddenRanges are link-local networks and cloud metadata addresses: a
// destination that reaches one of them can read the host's cloud
// credentials (the instance metadata service answers any process on the
// machine). They are refused unless an IP or CIDR pattern inside the range
// names them.
var forbiddenRanges = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address (169.254.0.0/16: cloud instance metadata and ECS credentials live there)"},
	{netip.MustParsePrefix("fe80::/10"), "an IPv6 link-local address (fe80::/10)"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "the AWS instance metadata service's IPv6 address"},
	{netip.MustParsePrefix("100.100.100.200/32"), "the Alibaba Cloud metadata service's address"},
}

// forbiddenNames are the host names of cloud metadata services, refused
// unless a pattern names them exactly (they resolve to a forbidden address
// too, which is refused on its own; the names are refused even when DNS
// cannot be asked).
var forbiddenNames = map[string]bool{
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"metadata":                   true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
	"metadata.azure.com":         true,
	"metadata.tencentyun.com":    true,
}

// Policy decides which hosts the server's outbound connections (HTTP
// endpoint and S3 destinations) may reach. The zero value is not usable;
// see New. A Policy is immutable and safe for concurrent use.
type Policy struct {
	names    []string       // exact names, lower case, no trailing dot
	suffixes []string       // "*.example.com" as ".example.com"
	prefixes []netip.Prefix // IPs (as /32 or /128) and CIDRs
	resolver *net.Resolver
	timeout  time.Duration
}

// Option configures a Policy.
type Option func(*Policy) error

// WithResolver sets the resolver used to check a host's addresses at
// apply and to dial (a test points it at its own DNS server); the default
// is net.DefaultResolver.
func WithResolver(r *net.Resolver) Option {
	return func(p *Policy) error {
		if r == nil {
			return errors.New("egress: nil resolver")
		}
		p.resolver = r
		return nil
	}
}

// DialTimeout bounds one connection attempt (as http.DefaultTransport).
const DialTimeout = 30 * time.Second

// New returns the policy of an allow-list. Each pattern is a host name
// ("s3.example.com"), a wildcard for its subdomains ("*.example.com", which
// does not match example.com itself), an IP address ("10.0.0.7",
// "fd00::7") or a CIDR ("10.0.0.0/8"). With no patterns every host is
// allowed but the forbidden ones (link-local and metadata addresses and
// names); with patterns, only hosts they match, and a forbidden address or
// name only when a pattern names it explicitly: the exact name, or an IP or
// CIDR inside the forbidden range ("169.254.169.254"; "0.0.0.0/0" does not
// count).
func New(patterns []string, opts ...Option) (*Policy, error) {
	p := &Policy{resolver: net.DefaultResolver, timeout: DialTimeout}
	for _, raw := range patterns {
		pat := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(raw), "."))
		switch {
		case pat == "":
			return nil, fmt.Errorf("egress: empty endpoint pattern")
		case strings.Contains(pat, "/"):
			pre, err := netip.ParsePrefix(pat)
			if err != nil {
				return nil, fmt.Errorf("egress: endpoint pattern %q: %w", raw, err)
			}
			p.prefixes = append(p.prefixes, pre.Masked())
		case strings.HasPrefix(pat, "*."):
			if !validName(pat[2:]) {
				return nil, fmt.Errorf("egress: endpoint pattern %q: not a host name after *.", raw)
			}
			p.suffixes = append(p.suffixes, pat[1:])
		default:
			if ip, err := netip.ParseAddr(strings.Trim(pat, "[]")); err == nil {
				ip = ip.Unmap()
				p.prefixes = append(p.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
				continue
			}
			if !validName(pat) {
				return nil, fmt.Errorf("egress: endpoint pattern %q: want a host name, *.domain, an IP address or a CIDR (no scheme, port or path)", raw)
			}
			p.names = append(p.names, pat)
		}
	}
	for _, o := range opts {
		if err := o(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// validName reports whether s looks like a DNS name (letters, digits, '-',
// '_', '.'; no empty label).
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Restricted reports whether the policy has an allow-list.
func (p *Policy) Restricted() bool {
	return len(p.names)+len(p.suffixes)+len(p.prefixes) > 0
}

// CheckURL checks an endpoint URL at apply: its host must be allowed, and
// every address the host resolves to now must be too. A name that cannot
// be resolved now is not refused (an edge box is often offline when it is
// set up): every connection is checked again when it is made.
func (p *Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("%w: %q has no host", ErrRefused, raw)
	}
	host := u.Hostname()
	byName, err := p.checkHost(host)
	if err != nil {
		return err
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // an IP literal: checkHost checked it
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := p.resolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range addrs {
		if err := p.checkIP(ip, byName); err != nil {
			return fmt.Errorf("%s resolves to %s: %w", host, ip.Unmap(), err)
		}
	}
	return nil
}

// checkHost checks a host name or IP literal (as in a URL) and reports
// whether a name pattern allowed it (then any address it resolves to that
// is not forbidden is fine).
func (p *Policy) checkHost(host string) (byName bool, err error) {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if i := strings.IndexByte(h, '%'); i >= 0 {
		h = h[:i] // an IPv6 zone
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return false, p.checkIP(ip, false)
	}
	exact := false
	for _, n := range p.names {
		if n == h {
			exact = true
		}
	}
	if forbiddenNames[h] && !exact {
		return false, fmt.Errorf("%w: %s is a cloud metadata service's name; allow it explicitly with --allow-endpoint %s", ErrRefused, h, h)
	}
	if !p.Restricted() || exact {
		return exact, nil
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(h, s) {
			return true, nil
		}
	}
	return false, fmt.Errorf("%w: %s matches no --allow-endpoint pattern", ErrRefused, h)
}

// checkIP checks one address a connection goes to. byName says a name
// pattern allowed the host it was resolved from.
func (p *Policy) checkIP(ip netip.Addr, byName bool) error {
	ip = ip.Unmap()
	for _, f := range forbiddenRanges {
		if !f.prefix.Contains(ip) {
			continue
		}
		for _, a := range p.prefixes {
			if a.Contains(ip) && a.Bits() >= f.prefix.Bits() {
				return nil // named explicitly
			}
		}
		return fmt.Errorf("%w: %s is %s; allow it explicitly with --allow-endpoint %s", ErrRefused, ip, f.what, ip)
	}
	if !p.Restricted() || byName {
		return nil
	}
	for _, a := range p.prefixes {
		if a.Contains(ip) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s matches no --allow-endpoint pattern", ErrRefused, ip)
}

// DialContext connects as net.Dialer does, after checking the host of
// addr ("host:port") against the policy, and checks the address the
// connection actually goes to in the dialer's Control function, after
// DNS resolution: a name that resolves to a forbidden address (a DNS
// rebinding, a record changed after apply) is refused before a byte is
// sent.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	byName, err := p.checkHost(host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{
		Timeout:   p.timeout,
		KeepAlive: 30 * time.Second,
		Resolver:  p.resolver,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot check address %q: %v", ErrRefused, address, err)
			}
			if err := p.checkIP(ap.Addr(), byName); err != nil {
				return fmt.Errorf("connect to %s: %w", host, err)
			}
			return nil
		},
	}
	return d.DialContext(ctx, network, addr)
}
