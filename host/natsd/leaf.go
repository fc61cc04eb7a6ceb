package natsd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// AccountHub is the account the leaf connection to a hub is bound to
// (Leaf). It has no JetStream of its own and sees, of the Sluice account,
// only what a hub needs to mirror the data streams: for each data stream
// the consumer creates and flow-control replies of a JetStream mirror or
// source, the deliveries of those consumers ($JS.M.>, $JS.S.>), stream
// info, and the direct gets of Config.HubDirectGets (the streams'
// definitions). Nothing else of Sluice's crosses the link: not the
// JetStream API of the Sluice account ($JS.<domain>.API.STREAM.DELETE…),
// not the KV buckets with their secrets, not the shard subjects.
const AccountHub = "HUB"

// Leaf says how the embedded server connects to a hub NATS cluster as a
// leaf node. The zero value connects to none. The connection is bound to
// AccountHub, and the server keeps its JetStream in its own domain
// (Config.JetStreamDomain, required with a leaf), so the edge's JetStream
// is never extended to the hub or the hub's to the edge: a hub reaches the
// edge's streams with the API prefix "$JS.<domain>.API".
//
// nats-server keeps the connection up: it redials a hub that is down or
// cut off (every second, LeafReconnect), forever.
type Leaf struct {
	// URLs are the hub's leaf node listeners: nats-leaf://host:port,
	// nats://host:port or tls://host:port (TLS). Several URLs are nodes
	// of one hub cluster. A URL must carry no login: use
	// CredentialsFile or User and PasswordFile.
	URLs []string
	// CredentialsFile is a NATS credentials file (a user JWT and its
	// nkey seed, as `nsc` writes them) for a hub in operator mode.
	CredentialsFile string
	// User and PasswordFile log in with a user name and the password
	// read from a file (its first line), for a hub with a users list.
	User, PasswordFile string
	// TLS, when set, makes the connection TLS with this configuration:
	// RootCAs are the CAs that signed the hub's certificate, and
	// Certificates a client certificate for a hub that verifies one.
	TLS *tls.Config
}

// Enabled reports whether the server connects to a hub.
func (l Leaf) Enabled() bool { return len(l.URLs) > 0 }

// LeafReconnect is how long the server waits before redialling the hub
// after the leaf connection failed or was lost.
const LeafReconnect = server.DEFAULT_LEAF_NODE_RECONNECT

// apply sets the leaf remote of opts from l, or fails on a configuration
// that could not connect or would put a secret where it shows.
func (l Leaf) apply(opts *server.Options, domain string) error {
	if !l.Enabled() {
		return nil
	}
	var problems []string
	if domain == "" {
		problems = append(problems, "a JetStream domain is required (it keeps the edge's JetStream its own)")
	}
	var urls []*url.URL
	useTLS := l.TLS != nil
	for _, raw := range l.URLs {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			problems = append(problems, fmt.Sprintf("leaf remote %q is not nats-leaf://host:port", redact(raw)))
			continue
		}
		switch u.Scheme {
		case "nats-leaf", "nats":
		case "tls":
			useTLS = true
		default:
			problems = append(problems, fmt.Sprintf("leaf remote %q: scheme %q is not nats-leaf, nats or tls", redact(raw), u.Scheme))
			continue
		}
		if u.User != nil {
			problems = append(problems, fmt.Sprintf("leaf remote %q carries a login: give a credentials file or a user and a password file instead", redact(raw)))
			continue
		}
		urls = append(urls, u)
	}
	hasUser := l.User != "" || l.PasswordFile != ""
	if hasUser && l.CredentialsFile != "" {
		problems = append(problems, "give a credentials file or a user and password file, not both")
	}
	var password string
	if hasUser {
		if l.User == "" || l.PasswordFile == "" {
			problems = append(problems, "a leaf user needs both a name and a password file")
		} else if p, err := readSecretFile(l.PasswordFile); err != nil {
			problems = append(problems, err.Error())
		} else {
			password = p
		}
	}
	if l.CredentialsFile != "" {
		if _, err := os.Stat(l.CredentialsFile); err != nil {
			problems = append(problems, fmt.Sprintf("leaf credentials file: %v", err))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("natsd: leaf: %w", errors.New(strings.Join(problems, "; ")))
	}
	if password != "" {
		for _, u := range urls {
			u.User = url.UserPassword(l.User, password)
		}
	}
	r := &server.RemoteLeafOpts{
		LocalAccount: AccountHub,
		URLs:         urls,
		Credentials:  l.CredentialsFile,
	}
	if useTLS {
		r.TLS = true
		if l.TLS != nil {
			r.TLSConfig = l.TLS.Clone()
		} else {
			r.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	opts.LeafNode.Remotes = append(opts.LeafNode.Remotes, r)
	opts.LeafNode.ReconnectInterval = LeafReconnect
	return nil
}

// readSecretFile reads a secret from the first line of a file.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("leaf password file: %w", err)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimRight(s, "\r")
	if s == "" {
		return "", fmt.Errorf("leaf password file %s is empty", path)
	}
	return s, nil
}

// redact hides the password of a URL for a message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "…" + raw[i:]
		}
		return raw
	}
	return u.Redacted()
}

// validateDomain checks a JetStream domain: a single subject token, as
// nats-server requires ("$JS.<domain>.API" must be a subject).
func validateDomain(d string) error {
	if d == "" {
		return nil
	}
	if strings.ContainsAny(d, " \t\r\n.*>$") {
		return fmt.Errorf("natsd: JetStream domain %q has spaces, dots, '$' or subject wildcards", d)
	}
	return nil
}

// LeafConnected reports whether the leaf connection to the hub is up.
func (s *Server) LeafConnected() bool { return s.srv.NumLeafNodes() > 0 }

// JetStreamDomain is the server's JetStream domain, "" for none.
func (s *Server) JetStreamDomain() string { return s.srv.JetStreamConfig().Domain }
