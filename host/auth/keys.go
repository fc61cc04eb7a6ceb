package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Environment variables of the single-key case (see FromEnv).
const (
	EnvAccessKeyID     = "SLUICE_ACCESS_KEY_ID"
	EnvSecretAccessKey = "SLUICE_SECRET_ACCESS_KEY"
)

// MinSecretLength is the shortest secret access key accepted. AWS's are
// 40 characters; 16 keeps a guessable word out.
const MinSecretLength = 16

// ErrInvalidCredentials marks a credentials file or environment that
// cannot be used; the message says what is wrong and where.
var ErrInvalidCredentials = errors.New("invalid credentials")

// accessKeyIDPattern is AWS's shape of an access key id (16 to 128 word
// characters; AWS's own are 20 upper-case letters and digits).
var accessKeyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_]{16,128}$`)

// Key is one access key: the id a client names in its Credential, the
// secret it signs with, and what it may do.
type Key struct {
	// AccessKeyID names the key in a request's credential scope.
	AccessKeyID string `json:"accessKeyId"`
	// SecretAccessKey signs the requests; it is never logged or shown.
	SecretAccessKey string `json:"secretAccessKey"`
	// Name says whose key it is; AccessDeniedException messages name the
	// user arn:aws:iam::ACCOUNT:user/NAME (the access key id when empty).
	Name string `json:"name,omitempty"`
	// Permissions limit the key to what the grants allow. A key without
	// permissions may do everything.
	Permissions []Grant `json:"permissions,omitempty"`
}

// String shows the key without its secret.
func (k *Key) String() string { return fmt.Sprintf("key %s (%s)", k.AccessKeyID, k.user()) }

// user is the key's user name.
func (k *Key) user() string {
	if k.Name != "" {
		return k.Name
	}
	return k.AccessKeyID
}

// Keys is the set of access keys a server accepts, by access key id.
// The zero value holds none. It is not changed after it is built.
type Keys struct {
	byID map[string]*Key
}

// Len is how many keys there are.
func (ks *Keys) Len() int {
	if ks == nil {
		return 0
	}
	return len(ks.byID)
}

// lookup finds a key by its id.
func (ks *Keys) lookup(id string) (*Key, bool) {
	if ks == nil {
		return nil, false
	}
	k, ok := ks.byID[id]
	return k, ok
}

// credentialsFile is the shape of a credentials file.
type credentialsFile struct {
	Keys []Key `json:"keys"`
}

// NewKeys checks keys (ids, secrets, permissions; no id twice) and
// returns them as a set.
func NewKeys(keys ...Key) (*Keys, error) {
	ks := &Keys{byID: make(map[string]*Key, len(keys))}
	for i := range keys {
		k := keys[i]
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("%w: keys[%d]: %v", ErrInvalidCredentials, i, err)
		}
		if _, dup := ks.byID[k.AccessKeyID]; dup {
			return nil, fmt.Errorf("%w: keys[%d]: access key id %s appears twice", ErrInvalidCredentials, i, k.AccessKeyID)
		}
		ks.byID[k.AccessKeyID] = &k
	}
	return ks, nil
}

func (k *Key) check() error {
	if !accessKeyIDPattern.MatchString(k.AccessKeyID) {
		return fmt.Errorf("accessKeyId %q must be 16 to 128 letters, digits or underscores", k.AccessKeyID)
	}
	if len(k.SecretAccessKey) < MinSecretLength {
		return fmt.Errorf("key %s: secretAccessKey must be at least %d characters", k.AccessKeyID, MinSecretLength)
	}
	if strings.ContainsAny(k.Name, "/:* ") {
		return fmt.Errorf("key %s: name %q may not hold '/', ':', '*' or spaces", k.AccessKeyID, k.Name)
	}
	if k.Permissions != nil && len(k.Permissions) == 0 {
		return fmt.Errorf("key %s: permissions is empty, so the key could do nothing; leave it out for a key that may do everything", k.AccessKeyID)
	}
	for j, g := range k.Permissions {
		if err := g.check(); err != nil {
			return fmt.Errorf("key %s: permissions[%d]: %v", k.AccessKeyID, j, err)
		}
	}
	return nil
}

// LoadFile reads a credentials file, YAML or JSON (see the package doc
// for its fields). Unknown fields are refused, so a misspelt
// "permissions" cannot silently give a key every right; so is a file
// that other users may read or write.
func LoadFile(path string) (*Keys, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCredentials, err)
	}
	if fi.Mode().Perm()&0o006 != 0 {
		return nil, fmt.Errorf("%w: %s may be read or written by every user (mode %04o): chmod 600 it", ErrInvalidCredentials, path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCredentials, err)
	}
	var f credentialsFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidCredentials, path, err)
	}
	if len(f.Keys) == 0 {
		return nil, fmt.Errorf("%w: %s holds no keys", ErrInvalidCredentials, path)
	}
	ks, err := NewKeys(f.Keys...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

// FromEnv is the single key of SLUICE_ACCESS_KEY_ID and
// SLUICE_SECRET_ACCESS_KEY (read with getenv), which may do everything,
// or nil when neither is set. One without the other is an error.
func FromEnv(getenv func(string) string) (*Key, error) {
	id, secret := getenv(EnvAccessKeyID), getenv(EnvSecretAccessKey)
	switch {
	case id == "" && secret == "":
		return nil, nil
	case id == "" || secret == "":
		return nil, fmt.Errorf("%w: set both %s and %s, or neither", ErrInvalidCredentials, EnvAccessKeyID, EnvSecretAccessKey)
	}
	k := &Key{AccessKeyID: id, SecretAccessKey: secret}
	if err := k.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidCredentials, EnvAccessKeyID, err)
	}
	return k, nil
}

// Load is the server's keys: those of the credentials file at path (none
// when path is ""), plus the environment's key (see FromEnv). It returns
// nil, and no error, when there are none: authentication is then off.
func Load(path string, getenv func(string) string) (*Keys, error) {
	var keys []Key
	if path != "" {
		ks, err := LoadFile(path)
		if err != nil {
			return nil, err
		}
		for _, k := range ks.byID {
			keys = append(keys, *k)
		}
	}
	env, err := FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if env != nil {
		keys = append(keys, *env)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return NewKeys(keys...)
}

// Authenticate finds the key with access key id id whose secret is secret
// (compared in constant time), for a login that cannot sign requests (the
// web console's form). It reports no key for an unknown id or a wrong
// secret alike.
func (ks *Keys) Authenticate(id, secret string) (*Key, bool) {
	k, ok := ks.lookup(id)
	if !ok {
		// Compare anyway, so an unknown id takes as long as a wrong secret.
		subtle.ConstantTimeCompare([]byte(secret), []byte(secret))
		return nil, false
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(k.SecretAccessKey)) != 1 {
		return nil, false
	}
	return k, true
}

// Lookup finds a key by its access key id (a console session names its
// key by id).
func (ks *Keys) Lookup(id string) (*Key, bool) { return ks.lookup(id) }
