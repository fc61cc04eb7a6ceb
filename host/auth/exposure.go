package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrExposed marks a server that would listen, without access keys, on
// an address other machines can reach.
var ErrExposed = errors.New("refusing to listen without authentication")

// Listener is one address a server listens on, and the flag that set it.
type Listener struct {
	Flag string // "--http", "--nats"
	Addr string // host:port; "" for none
}

// CheckExposure refuses listeners that other machines can reach when the
// server has no keys, unless insecure (--insecure-no-auth) says so. A
// listener is on loopback when its host is a loopback address,
// "localhost", or a name that resolves only to loopback addresses; an
// empty host or 0.0.0.0 is every address.
func CheckExposure(ctx context.Context, haveKeys, insecure bool, listeners ...Listener) error {
	if haveKeys || insecure {
		return nil
	}
	for _, l := range listeners {
		if l.Addr == "" {
			continue
		}
		ok, err := IsLoopback(ctx, l.Addr)
		if err != nil {
			return fmt.Errorf("%s %s: %w", l.Flag, l.Addr, err)
		}
		if !ok {
			return fmt.Errorf("%w: %s %s can be reached from other machines and no access keys are configured. "+
				"Give keys with --credentials FILE or %s and %s, listen on 127.0.0.1, "+
				"or pass --insecure-no-auth to serve everyone who can reach it",
				ErrExposed, l.Flag, l.Addr, EnvAccessKeyID, EnvSecretAccessKey)
		}
	}
	return nil
}

// IsLoopback reports whether host:port listens on loopback only.
func IsLoopback(ctx context.Context, addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return false, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback(), nil
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false, err
	}
	for _, ip := range ips {
		if !ip.Unmap().IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}
