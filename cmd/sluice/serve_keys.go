package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// Environment variables that hold the encryption keys when no file is
// given.
const (
	envEncryptionKey    = "SLUICE_ENCRYPTION_KEY"
	envOldEncryptionKey = "SLUICE_ENCRYPTION_OLD_KEY"
)

// maxKeyFileBytes bounds a key file: a key is tens of bytes.
const maxKeyFileBytes = 4096

// encryptionKey reads a key from file, or else from the environment
// variable env; "" when neither is set. A file's final newline is not
// part of the key. A file others may read is used, with a warning.
func encryptionKey(file, env, flag string, log *slog.Logger) (string, error) {
	return secretFromFile(file, env, flag, "encryption key", log)
}

// secretFromFile reads the secret (what names it) from file, or else from
// the environment variable env, as encryptionKey says.
func secretFromFile(file, env, flag, what string, log *slog.Logger) (string, error) {
	fromEnv, inEnv := os.LookupEnv(env)
	if file == "" {
		return fromEnv, nil
	}
	if inEnv {
		return "", usageErr("%s and %s are both set: give it one way", flag, env)
	}
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the "+what+" file can be read by other users: chmod 600 it", "file", file, "mode", fi.Mode().Perm().String())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	if len(b) > maxKeyFileBytes {
		return "", fmt.Errorf("%s: %s is over %d bytes: not a %s file", flag, file, maxKeyFileBytes, what)
	}
	b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	if len(b) == 0 {
		return "", fmt.Errorf("%s: %s is empty", flag, file)
	}
	return string(b), nil
}
