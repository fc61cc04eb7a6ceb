package natsd

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Generated credentials: a role with no configured credential gets a token
// of its own, made once and kept in the data directory.
const (
	// DataTokenFile is the file, in the data directory, holding the
	// generated token of RoleData.
	DataTokenFile = "nats-data.token"
	// KVTokenFile is the file holding the generated token of RoleKV.
	KVTokenFile = "nats-kv.token"
	// tokenBytes is the randomness of a generated token (hex encoded).
	tokenBytes = 32
)

// TokenFile is where the generated token of role r is kept under dataDir.
func TokenFile(dataDir string, r Role) string {
	if r == RoleKV {
		return filepath.Join(dataDir, KVTokenFile)
	}
	return filepath.Join(dataDir, DataTokenFile)
}

func randomToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("natsd: random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// loadOrCreateToken reads the token kept in path, or makes one and writes
// it there (mode 0600, through a temporary file and a rename, so a crash
// never leaves half a token). A file others may read is narrowed to 0600
// first. The token itself is never logged.
func loadOrCreateToken(path string, log *slog.Logger) (string, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		info, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("natsd: %w", err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return "", fmt.Errorf("natsd: token file %s is readable by others and cannot be narrowed: %w", path, err)
			}
			log.Warn("NATS token file was readable by others; narrowed to mode 0600", "file", path, "was", info.Mode().Perm().String())
		}
		tok := strings.TrimSpace(string(b))
		if len(tok) < MinTokenLen {
			return "", fmt.Errorf("natsd: token file %s holds no usable token (under %d characters); delete it to have a new one made", path, MinTokenLen)
		}
		return tok, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("natsd: %w", err)
	}
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("natsd: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("natsd: %w", err)
	}
	_, err = tmp.WriteString(tok + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("natsd: write token file %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	log.Info("made a NATS token", "file", path)
	return tok, nil
}
