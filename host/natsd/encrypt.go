package natsd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// Encryption at rest.
const (
	// MinEncryptionKeyBytes is the shortest key accepted: JetStream derives
	// every stream's key from it with HMAC-SHA-256, so it must carry the
	// entropy itself (`openssl rand -hex 32` makes a good one).
	MinEncryptionKeyBytes = 32
	// CipherChaCha (ChaCha20-Poly1305, the default) and CipherAES
	// (AES-256-GCM) are the ciphers JetStream offers.
	CipherChaCha = "chacha"
	CipherAES    = "aes"
)

// ErrUndecryptable: the store holds encrypted streams the configured keys
// cannot open (a wrong key, a store encrypted under a key that was not
// given, or no key for an encrypted store).
var ErrUndecryptable = errors.New("natsd: the JetStream store cannot be decrypted")

// Encryption turns on JetStream's encryption at rest: every stream's
// messages, its metadata and its consumers' state, and so every KV bucket
// and object store, which are streams. nats-server v2.15.2 does it per
// stream: a random seed per stream and per message block, each wrapped
// (meta.key, NNN.key) by a key derived from Key with HMAC-SHA-256 over
// the account and stream name, the data sealed with the cipher.
//
// A store written without a key is encrypted in place the first time the
// server starts with one (each stream's metadata is rewritten encrypted,
// each message block converted as it is recovered). Rotation is one start
// with the new Key and the old key as OldKey: whatever the new key cannot
// open is opened with the old one and written again under the new one,
// stream metadata and message blocks alike; from the next start on the
// new key alone is enough. Turning encryption off is not possible in
// place: without a key the encrypted streams are not loaded, which Start
// refuses.
type Encryption struct {
	Key    string
	OldKey string
	// Cipher is CipherChaCha (default) or CipherAES; changing it on a
	// start converts the store too.
	Cipher string
}

// Enabled reports whether a key is set.
func (e Encryption) Enabled() bool { return e.Key != "" }

// apply sets the server options of e.
func (e Encryption) apply(opts *server.Options) error {
	if e.Key == "" {
		if e.OldKey != "" {
			return errors.New("natsd: an old encryption key is only used with a new one (rotation)")
		}
		return nil
	}
	for what, k := range map[string]string{"encryption key": e.Key, "old encryption key": e.OldKey} {
		if k != "" && len(k) < MinEncryptionKeyBytes {
			return fmt.Errorf("natsd: the %s has %d bytes; at least %d are needed (make one with: openssl rand -hex 32)", what, len(k), MinEncryptionKeyBytes)
		}
	}
	if e.OldKey == e.Key {
		return errors.New("natsd: the old encryption key is the new one")
	}
	switch strings.ToLower(e.Cipher) {
	case "", CipherChaCha:
		opts.JetStreamCipher = server.ChaCha
	case CipherAES:
		opts.JetStreamCipher = server.AES
	default:
		return fmt.Errorf("natsd: cipher %q must be %s or %s", e.Cipher, CipherChaCha, CipherAES)
	}
	opts.JetStreamKey, opts.JetStreamOldKey = e.Key, e.OldKey
	return nil
}

// checkDecrypted fails when the server left encrypted streams unloaded.
// nats-server only logs a stream whose metadata it cannot decrypt ("Error
// decrypting our stream metafile") and goes on without it, so a wrong key
// would look like streams that vanished; this compares the streams on
// disk that have a key file with the streams the server loaded.
//
// Durable consumers are only reported (lost reports them): nats-server
// re-encrypts a consumer's state for a change of cipher but not of key, so
// a rotation leaves the durable consumers of native NATS clients behind
// (Sluice's own readers are ordered consumers, in memory, and its
// positions are in KV buckets, which are streams).
func checkDecrypted(srv *server.Server, storeDir string, e Encryption) (lost []string, err error) {
	storeDir = filepath.Join(storeDir, server.JetStreamStoreDir) // nats-server's own subdirectory
	keyed := func(p ...string) bool {
		_, err := os.Stat(filepath.Join(append(p, server.JetStreamMetaFileKey)...))
		return err == nil
	}
	accounts, _ := os.ReadDir(storeDir)
	var encrypted, consumers []string // "account > stream", "account > stream > consumer"
	for _, a := range accounts {
		if !a.IsDir() {
			continue
		}
		sdir := filepath.Join(storeDir, a.Name(), "streams")
		streams, _ := os.ReadDir(sdir)
		for _, s := range streams {
			if !s.IsDir() || strings.HasPrefix(s.Name(), ".") || !keyed(sdir, s.Name()) {
				continue
			}
			encrypted = append(encrypted, a.Name()+" > "+s.Name())
			obs, _ := os.ReadDir(filepath.Join(sdir, s.Name(), "obs"))
			for _, o := range obs {
				if o.IsDir() && keyed(sdir, s.Name(), "obs", o.Name()) {
					consumers = append(consumers, a.Name()+" > "+s.Name()+" > "+o.Name())
				}
			}
		}
	}
	if len(encrypted) == 0 {
		return nil, nil
	}
	loaded := map[string]bool{}
	info, err := srv.Jsz(&server.JSzOptions{Accounts: true, Streams: true, Consumer: true, Limit: 1 << 20})
	if err != nil {
		return nil, fmt.Errorf("natsd: list the loaded streams: %w", err)
	}
	for _, a := range info.AccountDetails {
		for _, s := range a.Streams {
			for _, acc := range []string{a.Name, a.Id} {
				loaded[acc+" > "+s.Name] = true
				for _, c := range s.Consumer {
					loaded[acc+" > "+s.Name+" > "+c.Name] = true
				}
			}
		}
	}
	var missing []string
	for _, s := range encrypted {
		if !loaded[s] {
			missing = append(missing, s)
		}
	}
	for _, c := range consumers {
		if !loaded[c] && !slices.Contains(missing, c[:strings.LastIndex(c, " > ")]) {
			lost = append(lost, c)
		}
	}
	if len(missing) == 0 {
		return lost, nil
	}
	slices.Sort(missing)
	shown := missing
	if len(shown) > 5 {
		shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(missing)-5))
	}
	if !e.Enabled() {
		return nil, fmt.Errorf("%w: it is encrypted at rest (%d streams: %s) and no key was given: start with its key (--encryption-key-file or SLUICE_ENCRYPTION_KEY)",
			ErrUndecryptable, len(missing), strings.Join(shown, ", "))
	}
	hint := "the wrong key, or a store encrypted under another key (after a rotation that did not finish, give that key as the old key: --encryption-old-key-file)"
	return nil, fmt.Errorf("%w: %d encrypted streams could not be opened with the key given (%s): %s",
		ErrUndecryptable, len(missing), strings.Join(shown, ", "), hint)
}
