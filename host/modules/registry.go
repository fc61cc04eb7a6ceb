package modules

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/jsretry"
	"github.com/sluice-io/sluice/runtime"
)

// Defaults for Config.
const (
	// DefaultBucket is the object store bucket holding the modules.
	DefaultBucket = "sluice-modules"
	// DefaultCounterBucket is the key-value bucket holding, per module
	// name, the last version number handed out.
	DefaultCounterBucket = "sluice-module-versions"
	// DefaultMaxSize is the largest module accepted: 50 MiB, Lambda's
	// limit on a directly uploaded deployment package.
	DefaultMaxSize = 50 << 20
	// claimAttempts bounds the compare-and-set retries of one push; each
	// failed attempt means another push of the same name succeeded.
	claimAttempts = 100
)

// Config configures a Registry; zero fields take the defaults.
type Config struct {
	// Bucket is the object store bucket of the modules. Default DefaultBucket.
	Bucket string
	// CounterBucket is the key-value bucket of the version counters.
	// Default DefaultCounterBucket.
	CounterBucket string
	// MaxSize is the largest module accepted, in bytes. Default DefaultMaxSize.
	MaxSize int64
	// Replicas is the replication of both buckets (1 on a single server,
	// 3 on a cluster). Default 1.
	Replicas int
	// Logger receives a line per push and removal. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.CounterBucket == "" {
		c.CounterBucket = DefaultCounterBucket
	}
	if c.MaxSize == 0 {
		c.MaxSize = DefaultMaxSize
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxSize < 0 || c.Replicas < 0 {
		return fmt.Errorf("modules: invalid config: MaxSize %d, Replicas %d", c.MaxSize, c.Replicas)
	}
	return nil
}

// Version describes one stored version of a module.
type Version struct {
	Name    string
	Version int
	// SHA256 is the hex SHA-256 of the wasm.
	SHA256 string
	// Size is the length of the wasm in bytes.
	Size int64
	// ABI is how the module talks to the host, as runtime.Kind names it
	// ("sdk-abi-v1", "wasi-command").
	ABI string
	// Uploaded is when the version was stored (the server's clock).
	Uploaded time.Time
}

// Ref returns the runtime reference of v.
func (v Version) Ref() runtime.Ref { return runtime.Ref{Name: v.Name, Version: v.Version} }

// Module summarises a module: how many versions it has and its newest.
type Module struct {
	Name     string
	Versions int
	Latest   Version
}

// Registry stores and finds modules. It is safe for concurrent use, also
// by several hosts sharing the buckets.
type Registry struct {
	cfg     Config
	rt      *runtime.Runtime
	objects jetstream.ObjectStore
	counter jetstream.KeyValue
	log     *slog.Logger
}

// Open opens (creating them when missing) the registry's buckets on js;
// rt checks each pushed module.
func Open(ctx context.Context, js jetstream.JetStream, rt *runtime.Runtime, cfg Config) (*Registry, error) {
	if js == nil || rt == nil {
		return nil, fmt.Errorf("modules: Open needs a JetStream and a runtime")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	objects, err := jsretry.ObjectStore(ctx, js, jetstream.ObjectStoreConfig{
		Bucket:      cfg.Bucket,
		Description: "Sluice transform modules, one object per version",
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("modules: object store %s: %w", cfg.Bucket, err)
	}
	counter, err := jsretry.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      cfg.CounterBucket,
		Description: "Sluice module version counters",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("modules: key-value bucket %s: %w", cfg.CounterBucket, err)
	}
	return &Registry{cfg: cfg, rt: rt, objects: objects, counter: counter, log: cfg.Logger}, nil
}

// MaxSize is the largest module Push accepts, in bytes.
func (r *Registry) MaxSize() int64 { return r.cfg.MaxSize }
