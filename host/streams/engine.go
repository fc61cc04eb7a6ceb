package streams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/jsretry"
)

// Defaults and limits, Kinesis's unless noted.
const (
	// DefaultRegion and DefaultAccountID shape ARNs when Config leaves them empty.
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
	// DefaultRetentionHours is a new stream's retention; MinRetentionHours
	// and MaxRetentionHours bound the retention changes.
	DefaultRetentionHours = 24
	MinRetentionHours     = 24
	MaxRetentionHours     = 8760
	// DefaultMaxShards caps the shards of one stream (Sluice's own limit;
	// AWS caps shards per account).
	DefaultMaxShards = 1024
	// MaxRecordData is a stream's largest record payload unless
	// UpdateMaxRecordSize raised it; MaxLargeRecordData is the most it can
	// be raised to (AWS's 10 MiB).
	MaxRecordData      = 1 << 20
	MaxLargeRecordData = 10 << 20
	// MinRecordSizeKiB and MaxRecordSizeKiB bound MaxRecordSizeInKiB.
	MinRecordSizeKiB = MaxRecordData >> 10
	MaxRecordSizeKiB = MaxLargeRecordData >> 10
	// MaxPartitionKeyLen is the longest partition key in characters.
	MaxPartitionKeyLen = 256
	// MaxPutRecords bounds the records of one PutRecords call; MaxPutBytes
	// its data and keys on a stream of the default record size, and
	// MaxLargePutBytes on one whose record size was raised (AWS's limit
	// for the whole request then).
	MaxPutRecords    = 500
	MaxPutBytes      = 5 << 20
	MaxLargePutBytes = 10 << 20
	// MaxGetLimit is the most records one GetRecords returns, and
	// MaxGetBytes the most data bytes.
	MaxGetLimit = 10000
	MaxGetBytes = 10 << 20
	// IteratorTTL is how long a shard iterator stays valid.
	IteratorTTL = 5 * time.Minute
	// MaxTags is the most tags one stream carries.
	MaxTags = 50
	// DefaultRequestTimeout bounds a JetStream request when ctx has no deadline.
	DefaultRequestTimeout = 10 * time.Second
)

// Config configures the engine.
type Config struct {
	// Region and AccountID shape ARNs:
	// arn:aws:kinesis:REGION:ACCOUNT:stream/NAME.
	Region, AccountID string
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
	// Now is the clock (a test hook); nil means time.Now.
	Now func() time.Time
	// MaxShards caps the shards of one stream; 0 means DefaultMaxShards.
	MaxShards int
	// ShardGroups is the number of JetStream streams a new data stream's
	// shards spread over (groups.go): 0 or 1 is one, the layout that is
	// fastest on one server; up to MaxShardGroups.
	ShardGroups int
	// Limits, when set, are enforced on every stream's shards (a stream's
	// TagThroughput tag overrides it); nil enforces nothing unless a stream
	// asks for KinesisLimits with the tag.
	Limits *Limits
	// OnDemand is the scaling policy of ON_DEMAND streams that set none;
	// zero fields take the package defaults.
	OnDemand OnDemandPolicy
	// Storage, when set, tells whether JetStream's store takes writes: a
	// put fails at once with ErrStorageFull while it does not, and a
	// delete that cannot write its definition first frees the data.
	Storage Storage
	// MaxReadBytes caps the bytes of GetRecords answers in flight at once,
	// server wide: a read that finds the cap taken gets a smaller answer
	// or, after a short wait, ErrThroughput. 0 means DefaultMaxReadBytes;
	// the least is two records of MaxRecordData.
	MaxReadBytes int64
	// ScaleInterval is how often on-demand streams are measured and
	// rescaled and closed shards past retention are pruned: 0 means
	// DefaultScaleInterval, a negative value turns the background loop
	// off (tests then call ScaleOnDemand and PruneShards themselves).
	ScaleInterval time.Duration
	// Replicas is the JetStream replication of every data stream and of
	// the engine's buckets: 0 means 1 (one server); 3 on a cluster.
	Replicas int
	// MirrorSync is how often the mirrors' source definitions are read
	// to follow their reshards (SyncMirrors): 0 means DefaultMirrorSync,
	// a negative value turns the loop off.
	MirrorSync time.Duration
	// SubscriptionDuration is how long a SubscribeToShard subscription
	// lasts before it ends cleanly: 0 means DefaultSubscriptionDuration
	// (AWS's 5 minutes), at most MaxSubscriptionDuration.
	SubscriptionDuration time.Duration
}

// Engine runs Kinesis-style data streams on JetStream.
type Engine struct {
	cfg Config
	log *slog.Logger
	nc  *nats.Conn
	js  jetstream.JetStream
	kv  jetstream.KeyValue
	pub *Publisher // the records of puts, see publisher.go

	defs    defCache    // decoded definitions, see defs.go
	iterKey []byte      // HMAC key of shard iterators, see iterkey.go
	reads   *readBudget // bytes of GetRecords answers (and subscription events) in flight
	meters  meters      // throughput limits, per shard
	writes  writeMeter  // write rates of on-demand streams
	mon     monitor     // shard-level metrics, see monitoring.go
	stop    context.CancelFunc
	loops   sync.WaitGroup // the definitions watcher and the maintenance loop
	// hook, when set by a test, runs at each reshard phase.
	hook func(phase string)
	// readHook, when set by a test, sees what each read holds of what
	// it was granted.
	readHook func(held, granted int64)

	// rerouted counts the records put again on a child after a reshard's
	// fence refused them on their first shard (put.go).
	rerouted atomic.Int64
	// strayShards counts the closed shards found holding a record past
	// their EndingSequence after a reshard's commit (fence.go, strays).
	strayShards atomic.Int64

	// subs is the state of SubscribeToShard (subscribe.go).
	subs subscriptions
	// contacts are the mirrors' last reads of their sources (mirror.go).
	contacts contacts
}

// Open prepares the engine on an in-process connection to JetStream: it
// creates the definitions bucket if needed and finishes any create or
// delete that a crash interrupted.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Engine, error) {
	if nc == nil {
		return nil, errors.New("streams: nil nats connection")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxShards == 0 {
		cfg.MaxShards = DefaultMaxShards
	}
	if cfg.ShardGroups < 0 || cfg.ShardGroups > MaxShardGroups {
		return nil, fmt.Errorf("streams: ShardGroups %d outside 0..%d", cfg.ShardGroups, MaxShardGroups)
	}
	if cfg.MaxShards < 0 {
		return nil, fmt.Errorf("streams: MaxShards %d < 0", cfg.MaxShards)
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Replicas < 0 {
		return nil, fmt.Errorf("streams: Replicas %d < 0", cfg.Replicas)
	}
	if cfg.ScaleInterval == 0 {
		cfg.ScaleInterval = DefaultScaleInterval
	}
	if cfg.MirrorSync == 0 {
		cfg.MirrorSync = DefaultMirrorSync
	}
	if err := cfg.OnDemand.withDefaults(OnDemandPolicy{}).validate(cfg.MaxShards); err != nil {
		return nil, fmt.Errorf("streams: OnDemand: %w", err)
	}
	if cfg.MaxReadBytes == 0 {
		cfg.MaxReadBytes = DefaultMaxReadBytes
	}
	if cfg.MaxReadBytes < readGrantMin {
		return nil, fmt.Errorf("streams: MaxReadBytes %d < %d (two records of the largest size)", cfg.MaxReadBytes, readGrantMin)
	}
	if cfg.SubscriptionDuration == 0 {
		cfg.SubscriptionDuration = DefaultSubscriptionDuration
	}
	if cfg.SubscriptionDuration < 0 || cfg.SubscriptionDuration > MaxSubscriptionDuration {
		return nil, fmt.Errorf("streams: SubscriptionDuration %v is not between 0 and %v", cfg.SubscriptionDuration, MaxSubscriptionDuration)
	}
	if cfg.Limits != nil && !cfg.Limits.validate() {
		return nil, fmt.Errorf("streams: negative Limits %+v", *cfg.Limits)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	kv, err := jsretry.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      kvBucket,
		Description: "Sluice data stream definitions",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("streams: definitions bucket: %w", err)
	}
	pub, err := NewPublisher(nc)
	if err != nil {
		return nil, fmt.Errorf("streams: publisher: %w", err)
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, nc: nc, js: js, kv: kv, pub: pub, defs: defCache{entries: map[string]*definition{}},
		reads: newReadBudget(cfg.MaxReadBytes)}
	e.mon.e = e
	if e.iterKey, err = iteratorKey(ctx, kv); err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	if e.subs.leases, err = openLeases(ctx, js, cfg.Replicas); err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	e.subs.ctx, e.subs.cancel = context.WithCancel(loopCtx)
	ready := make(chan struct{})
	e.loops.Go(func() { e.watchDefinitions(loopCtx, ready) })
	select {
	case <-ready:
	case <-ctx.Done():
		_ = e.Close()
		return nil, fmt.Errorf("streams: definitions watcher: %w", ctx.Err())
	}
	if err := e.recover(ctx); err != nil {
		_ = e.Close()
		return nil, err
	}
	if err := e.pruneTombstones(ctx); err != nil {
		e.log.Warn("dropping old tombstones of deleted streams", "err", err)
	}
	if cfg.ScaleInterval > 0 {
		e.loops.Go(func() { e.maintainLoop(loopCtx, cfg.ScaleInterval) })
	}
	if cfg.MirrorSync > 0 {
		e.loops.Go(func() { e.mirrorLoop(loopCtx, cfg.MirrorSync) })
	}
	return e, nil
}

// Close releases the engine. The connection belongs to the caller and stays
// open; publishes still in flight are given a moment to complete.
func (e *Engine) Close() error {
	e.stop()
	e.loops.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultRequestTimeout)
	defer cancel()
	if err := e.pub.Drain(ctx); err != nil {
		return errors.New("streams: close: publishes still pending")
	}
	return nil
}

// recover finishes creates, deletes and reshards interrupted by a crash.
func (e *Engine) recover(ctx context.Context) error {
	all, err := e.all(ctx)
	if err != nil {
		return fmt.Errorf("streams: recover: %w", err)
	}
	for _, s := range all {
		switch s.Status {
		case StatusCreating:
			e.log.Info("finishing interrupted create", "stream", s.Name)
			if err := e.finishCreate(ctx, s); err != nil {
				return fmt.Errorf("streams: recover %s: %w", s.Name, err)
			}
		case StatusDeleting:
			e.log.Info("finishing interrupted delete", "stream", s.Name)
			if err := e.finishDelete(ctx, s.Name); err != nil {
				return fmt.Errorf("streams: recover %s: %w", s.Name, err)
			}
		case StatusUpdating:
			recoverFn := e.recoverReshard
			if s.PendingRetention > 0 {
				recoverFn = e.recoverRetention
			}
			if err := recoverFn(ctx, s); err != nil {
				return fmt.Errorf("streams: recover %s: %w", s.Name, err)
			}
		}
	}
	return nil
}

func (e *Engine) now() time.Time { return e.cfg.Now() }

// withTimeout gives ctx a deadline when it has none.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultRequestTimeout)
}
