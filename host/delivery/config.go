package delivery

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/egress"
	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/runtime"
)

// Defaults for Config.
const (
	// DefaultBucket is the key-value bucket holding definitions and
	// delivery positions.
	DefaultBucket = "sluice_delivery"
	// DefaultDirectPutMaxAge bounds how long a direct-put record waits in
	// JetStream: delivered records are purged at once; this is the safety
	// net for records that could never be delivered.
	DefaultDirectPutMaxAge = 7 * 24 * time.Hour
	// DefaultBackoffMin and DefaultBackoffMax bound the exponential
	// backoff between attempts to reach a destination that is down.
	DefaultBackoffMin = 500 * time.Millisecond
	DefaultBackoffMax = 30 * time.Second
	// DefaultDrainTimeout bounds how long Apply and Close let a batch being
	// delivered finish before they cut it short (it is then replayed from
	// its intent, under the definition that started it).
	DefaultDrainTimeout = 10 * time.Second
	// DefaultPutTimeout bounds how long a direct put waits for JetStream
	// to acknowledge its records (the data streams' put waits as long:
	// streams.DefaultRequestTimeout).
	DefaultPutTimeout = streams.DefaultRequestTimeout
	// DefaultRegion and DefaultAccountID shape ARNs.
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// Deps are the parts of the host a Manager works with. Streams is needed
// for data-stream sources, Modules and Runtime for processors; Metrics,
// Logger and Storage may be nil (no metrics registered; logs discarded;
// only JetStream's answers tell that the store is full).
type Deps struct {
	Streams *streams.Engine
	Modules *modules.Registry
	Runtime *runtime.Runtime
	Metrics prometheus.Registerer
	Logger  *slog.Logger
	// Storage, when set, tells whether JetStream's store takes writes: a
	// direct put fails at once with ErrStorageFull while it does not, and
	// Delete frees a direct-put stream's records first.
	Storage streams.Storage
}

// Config configures a Manager; zero fields take the defaults.
type Config struct {
	// Region and AccountID shape ARNs (delivery stream, Lambda).
	Region, AccountID string
	// Bucket is the key-value bucket of definitions and positions.
	Bucket string
	// Replicas of the bucket and the direct-put streams (1 on one server).
	Replicas int
	// DirectPutMaxAge is the MaxAge of each direct-put JetStream stream.
	DirectPutMaxAge time.Duration
	// BackoffMin and BackoffMax bound retries against a destination.
	BackoffMin, BackoffMax time.Duration
	// DrainTimeout bounds how long Apply and Close wait for the batch in
	// flight to finish.
	DrainTimeout time.Duration
	// PutTimeout bounds how long Put waits for JetStream to acknowledge
	// its records when its context has no sooner deadline (an
	// acknowledgement can be lost with a stream leader that died): a
	// record not acknowledged by then fails with ErrThrottled, and may
	// have been stored. Default DefaultPutTimeout.
	PutTimeout time.Duration
	// ReadAheadBytes bounds, per delivery stream, the source records read
	// but not yet in a batch; default DefaultReadAheadBytes. The groups of
	// a source with shard groups split it, at least MinReadAheadBytes
	// each.
	ReadAheadBytes int64
	// OutputRoot is the directory every folder destination is confined to
	// (absolute; required): relative folder paths are taken under it,
	// absolute ones must be inside it, and no write leaves it. See
	// FolderDest.
	OutputRoot string
	// Forbidden are directories no folder destination may be in or
	// contain, even inside OutputRoot: the server's JetStream store, its
	// compilation cache, its secrets.
	Forbidden []string
	// SecretsDir is where SecretRef.File names files; empty refuses file
	// references.
	SecretsDir string
	// Egress decides which hosts HTTP endpoint and S3 destinations may
	// connect to; nil means egress.New(nil): any host but link-local and
	// metadata addresses.
	Egress *egress.Policy
	// Now is the clock (a test hook); nil means time.Now.
	Now func() time.Time

	// HostID names this host among the Managers sharing the JetStream
	// (letters, digits, '-' and '_', at most 64): leases, status reports
	// and Status.Host carry it. Empty means the machine's name and a
	// random suffix, new at each start. A stable ID (a node name) lets a
	// host restarted after a crash take its own leases back at once.
	HostID string
	// LeaseBucket is the key-value bucket of leases and host presence.
	LeaseBucket string
	// LeaseTTL is how long a lease (and a host's presence) lasts unless
	// renewed; LeaseRenew how often the holder renews it and looks for
	// work (at most LeaseTTL/2). Defaults DefaultLeaseTTL and
	// DefaultLeaseRenew: a killed host's work moves in about 5 s.
	LeaseTTL, LeaseRenew time.Duration

	// Test hooks: hookCheckpoint runs before each checkpoint write (after
	// the batch's objects are written), hookTick at the start of each
	// round of lease work.
	hookCheckpoint func(name string)
	hookTick       func()
}

func (c *Config) setDefaults() error {
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.DirectPutMaxAge == 0 {
		c.DirectPutMaxAge = DefaultDirectPutMaxAge
	}
	if c.BackoffMin == 0 {
		c.BackoffMin = DefaultBackoffMin
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.ReadAheadBytes == 0 {
		c.ReadAheadBytes = DefaultReadAheadBytes
	}
	if c.PutTimeout == 0 {
		c.PutTimeout = DefaultPutTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HostID == "" {
		c.HostID = defaultHostID()
	}
	if !hostIDPattern.MatchString(c.HostID) {
		return fmt.Errorf("delivery: host ID %q: use 1 to 64 letters, digits, '-' or '_'", c.HostID)
	}
	if c.LeaseBucket == "" {
		c.LeaseBucket = DefaultLeaseBucket
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.LeaseRenew == 0 {
		c.LeaseRenew = DefaultLeaseRenew
	}
	if c.LeaseTTL < time.Second || c.LeaseRenew <= 0 || c.LeaseRenew > c.LeaseTTL/2 {
		return fmt.Errorf("delivery: invalid config: lease TTL %s (at least 1s), renew every %s (at most half the TTL)", c.LeaseTTL, c.LeaseRenew)
	}
	if c.Egress == nil {
		p, err := egress.New(nil)
		if err != nil {
			return err
		}
		c.Egress = p
	}
	if err := checkOutputRoot(c.OutputRoot); err != nil {
		return err
	}
	c.OutputRoot = filepath.Clean(c.OutputRoot)
	if c.SecretsDir != "" {
		abs, err := filepath.Abs(c.SecretsDir)
		if err != nil {
			return fmt.Errorf("delivery: secrets directory: %w", err)
		}
		c.SecretsDir = abs
	}
	if c.Replicas < 0 || c.DirectPutMaxAge < 0 || c.BackoffMin < 0 || c.BackoffMax < c.BackoffMin || c.DrainTimeout < 0 || c.PutTimeout < 0 {
		return fmt.Errorf("delivery: invalid config: replicas %d, max age %s, backoff %s..%s, drain %s, put timeout %s",
			c.Replicas, c.DirectPutMaxAge, c.BackoffMin, c.BackoffMax, c.DrainTimeout, c.PutTimeout)
	}
	if c.ReadAheadBytes < MinReadAheadBytes {
		return fmt.Errorf("delivery: read-ahead %d bytes is below the minimum %d (the largest record must fit)", c.ReadAheadBytes, MinReadAheadBytes)
	}
	return nil
}

func (d *Deps) check() error {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Modules != nil && d.Runtime == nil {
		return errors.New("delivery: Deps.Modules needs Deps.Runtime")
	}
	return nil
}

// backoff returns the wait before attempt n (0-based) of a retry loop:
// BackoffMin doubled n times, capped at BackoffMax.
func (c *Config) backoff(n int) time.Duration {
	d := c.BackoffMin
	for i := 0; i < n && d < c.BackoffMax; i++ {
		d *= 2
	}
	return min(d, c.BackoffMax)
}
