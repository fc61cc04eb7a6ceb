package natsd

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// The server's accounts. Accounts are NATS's isolation: a client sees the
// subjects, streams and buckets of its own account and nothing of another's
// but what that one exports to it.
const (
	// AccountSluice holds everything Sluice keeps: the data streams, the
	// direct-put buffers, the stream and delivery definitions (with their
	// secrets), the positions and the modules. Only Sluice's own
	// in-process connections log into it.
	AccountSluice = "SLUICE"
	// AccountData is the data users' account. It has no JetStream of its
	// own; it sees what the Sluice account shares with it and nothing
	// else: the data streams' subjects, live (Config.DataSubjects), and,
	// for each data stream (Config.IsDataStream), direct gets, message
	// gets and stream info ($JS.API.DIRECT.GET.<stream>,
	// $JS.API.STREAM.MSG.GET.<stream>, $JS.API.STREAM.INFO.<stream>).
	AccountData = "DATA"
	// AccountKV holds the key-value buckets modules read with kv_get: KV
	// users create and write them, Sluice reads them (Server.ConnectKV).
	// Sluice's own buckets are not in it.
	AccountKV = "KV"
)

// DirectGetResponseWindow is how long the answers to one direct get by a
// data user (a batch answers with many messages) may take to come back
// across accounts; the server forgets the request after it.
const DirectGetResponseWindow = 5 * time.Second

// Role says which account a credential logs into and what it may do there.
type Role int

// The roles a Credential can have.
const (
	// RoleData logs into AccountData and may read the data streams:
	// subscribe to their subjects (live records), and get records with
	// JetStream direct gets and stream info. It cannot publish to a data
	// stream, create, change, purge or delete any stream, create a
	// consumer, or reach anything else of Sluice's.
	RoleData Role = iota + 1
	// RoleKV logs into AccountKV with every right there: create, write
	// and delete the key-value buckets that modules are granted.
	RoleKV
)

// String names the role as the serve flags do.
func (r Role) String() string {
	switch r {
	case RoleData:
		return "data"
	case RoleKV:
		return "kv"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// ErrBadCredential: a Credential is incomplete or ambiguous.
var ErrBadCredential = errors.New("bad NATS credential")

// Credential is one way for a NATS client to log into the client listener:
// a token, a user name with a password, or a user nkey (the client signs
// the server's nonce with the seed). Exactly one of the three is set.
type Credential struct {
	Role Role
	// Token is matched against the client's auth_token.
	Token string
	// User and Password are matched against the client's user and pass.
	User, Password string
	// Nkey is a public user nkey ("U…"); the client proves it holds the
	// seed by signing the nonce.
	Nkey string
}

// MinTokenLen is the shortest token or password accepted.
const MinTokenLen = 16

// Validate checks that c is complete: a role and exactly one of a token (at
// least MinTokenLen characters), a user with a password (the same) or a
// public user nkey.
func (c Credential) Validate() error {
	if c.Role != RoleData && c.Role != RoleKV {
		return fmt.Errorf("%w: role %v is neither data nor kv", ErrBadCredential, c.Role)
	}
	n := 0
	if c.Token != "" {
		n++
		if len(c.Token) < MinTokenLen {
			return fmt.Errorf("%w: a %s token must have at least %d characters", ErrBadCredential, c.Role, MinTokenLen)
		}
	}
	if c.User != "" || c.Password != "" {
		n++
		if c.User == "" || len(c.Password) < MinTokenLen {
			return fmt.Errorf("%w: a %s user needs a name and a password of at least %d characters", ErrBadCredential, c.Role, MinTokenLen)
		}
	}
	if c.Nkey != "" {
		n++
		if !nkeys.IsValidPublicUserKey(c.Nkey) {
			return fmt.Errorf("%w: %s nkey %q is not a public user nkey (U…)", ErrBadCredential, c.Role, c.Nkey)
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: a %s credential takes exactly one of a token, a user and password, or an nkey", ErrBadCredential, c.Role)
	}
	return nil
}

// login is what a matched connection becomes.
type login struct {
	account string
	perms   *server.Permissions
}

// authenticator checks every client connection (in-process ones included)
// against Sluice's internal secrets and the configured credentials, and
// puts it into its account with its permissions. It never logs or keeps
// what a client presented.
type authenticator struct {
	srv        *server.Server // set before the server starts
	internal   string         // this start's secret of the internal user (AccountSluice)
	internalKV string         // and of Sluice's user in AccountKV
	creds      []Credential
	dataPerms  *server.Permissions
}

var _ server.Authentication = (*authenticator)(nil)

func newAuthenticator(creds []Credential, dataSubjects string) (*authenticator, error) {
	internal, err := randomToken()
	if err != nil {
		return nil, err
	}
	internalKV, err := randomToken()
	if err != nil {
		return nil, err
	}
	subs := []string{"_INBOX.>"}
	if dataSubjects != "" {
		subs = append(subs, dataSubjects)
	}
	return &authenticator{
		internal: internal, internalKV: internalKV, creds: creds,
		// Only what the data account's imports answer: nothing else in
		// it would, and a future import must be allowed here as well.
		dataPerms: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{"$JS.API.INFO", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.MSG.GET.*", "$JS.API.DIRECT.GET.>"}},
			Subscribe: &server.SubjectPermission{Allow: subs},
		},
	}, nil
}

// Check implements server.Authentication.
func (a *authenticator) Check(c server.ClientAuthentication) bool {
	if c.Kind() != server.CLIENT {
		return false
	}
	l, ok := a.match(c.GetOpts(), c.GetNonce())
	if !ok {
		return false
	}
	acc, err := a.srv.LookupAccount(l.account)
	if err != nil {
		return false
	}
	// No user name: with one, a reload of the options (the storage
	// guard's JetStream restart) would look the client up among the
	// configured users, find none (they are ours, not the server's) and
	// close it. Clients that sent a user name (user and password, nkey)
	// are closed then and reconnect.
	c.RegisterUser(&server.User{Account: acc, Permissions: l.perms})
	return true
}

func (a *authenticator) match(o *server.ClientOpts, nonce []byte) (login, bool) {
	if o.Token != "" {
		switch {
		case same(o.Token, a.internal):
			return login{account: AccountSluice}, true
		case same(o.Token, a.internalKV):
			return login{account: AccountKV}, true
		}
	}
	for _, c := range a.creds {
		var ok bool
		switch {
		case c.Token != "":
			ok = o.Token != "" && same(o.Token, c.Token)
		case c.User != "":
			ok = o.Username == c.User && same(o.Password, c.Password)
		case c.Nkey != "":
			ok = o.Nkey == c.Nkey && verifyNonce(c.Nkey, o.Sig, nonce)
		}
		if ok {
			return a.loginOf(c), true
		}
	}
	return login{}, false
}

func (a *authenticator) loginOf(c Credential) login {
	if c.Role == RoleKV {
		return login{account: AccountKV}
	}
	return login{account: AccountData, perms: a.dataPerms}
}

func same(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// verifyNonce checks a client's signature of the server's nonce with the
// public nkey, as nats-server does for its own nkey users.
func verifyNonce(pub, sig string, nonce []byte) bool {
	if sig == "" || len(nonce) == 0 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		if raw, err = base64.StdEncoding.DecodeString(sig); err != nil {
			return false
		}
	}
	kp, err := nkeys.FromPublicKey(pub)
	if err != nil {
		return false
	}
	return kp.Verify(nonce, raw) == nil
}
