package runtime

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultMaxMemoryBytes is the default ceiling on any instance's memory,
// whatever a module's Limits ask for (see WithMaxMemoryBytes).
const DefaultMaxMemoryBytes = 1 << 30

// wasmPage is the size of a WebAssembly memory page; maxCeiling is the
// most memory a 32-bit WebAssembly instance can address (4 GiB).
const (
	wasmPage   = 65536
	maxCeiling = 1 << 32
)

// Option configures a Runtime.
type Option func(*options) error

type options struct {
	cacheDir       string
	logger         *slog.Logger
	js             jetstream.JetStream
	maxMemoryBytes uint64
}

// WithCacheDir keeps wazero's compilation cache in dir, so a restarted host
// does not compile a module again. Without it the cache lives in memory.
func WithCacheDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("WithCacheDir: empty directory")
		}
		o.cacheDir = dir
		return nil
	}
}

// WithLogger sets the logger for the runtime and its modules' log output
// (the log host function, stderr and stdout). The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithKV lets modules read JetStream key-value buckets through kv_get (each
// module only the buckets in its Grants). Without it kv_get returns -3.
func WithKV(js jetstream.JetStream) Option {
	return func(o *options) error {
		if js == nil {
			return errors.New("WithKV: nil JetStream")
		}
		o.js = js
		return nil
	}
}

// WithMaxMemoryBytes sets the ceiling on any instance's linear memory
// (rounded down to 64 KiB pages); a module's Limits.MemoryBytes may not
// exceed it. Default DefaultMaxMemoryBytes.
func WithMaxMemoryBytes(n uint64) Option {
	return func(o *options) error {
		if n < wasmPage || n > maxCeiling {
			return fmt.Errorf("WithMaxMemoryBytes: %d is outside [64 KiB, 4 GiB]", n)
		}
		o.maxMemoryBytes = n / wasmPage * wasmPage
		return nil
	}
}
