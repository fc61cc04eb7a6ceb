package streams

import (
	"strconv"
	"sync"
	"time"
)

// Kinesis's provisioned throughput per shard.
const (
	DefaultShardWriteBytes   = 1 << 20 // bytes a second in (data + partition key)
	DefaultShardWriteRecords = 1000    // records a second in
	DefaultShardReadBytes    = 2 << 20 // bytes a second out
)

// TagThroughput is the stream tag that turns provisioned throughput limits
// on for one stream ("enforce") or off ("off", overriding the engine's
// Config.Limits), so a team can see how its producers behave when a shard
// throttles them.
const TagThroughput = "sluice:throughput"

// Limits are per-shard throughput limits. A zero field is no limit.
type Limits struct {
	WriteBytes   int // per second, data plus partition key
	WriteRecords int // per second
	ReadBytes    int // per second, GetRecords data
}

// KinesisLimits are the limits of a provisioned Kinesis shard.
var KinesisLimits = Limits{WriteBytes: DefaultShardWriteBytes, WriteRecords: DefaultShardWriteRecords, ReadBytes: DefaultShardReadBytes}

func (l Limits) validate() bool { return l.WriteBytes >= 0 && l.WriteRecords >= 0 && l.ReadBytes >= 0 }

// limitsFor is what a stream enforces: its tag first, then the engine's
// configuration; nil means nothing is enforced (the edge default).
func (e *Engine) limitsFor(s *Stream) *Limits {
	switch s.Tags[TagThroughput] {
	case "enforce":
		if e.cfg.Limits != nil {
			return e.cfg.Limits
		}
		return &KinesisLimits
	case "off":
		return nil
	}
	return e.cfg.Limits
}

// bucket is a token bucket holding at most one second of its rate. A take
// that a full bucket cannot cover still succeeds and leaves a debt, so a
// single record larger than the rate is slow, not impossible.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) refill(now time.Time, rate float64) {
	if b.last.IsZero() {
		b.tokens, b.last = rate, now
		return
	}
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(rate, b.tokens+d*rate)
		b.last = now
	}
}

// meters holds the token buckets of every shard this process served.
type meters struct {
	mu      sync.Mutex
	buckets map[string]*shardBuckets // stream id + shard
}

type shardBuckets struct{ writeBytes, writeRecords, readBytes bucket }

func (m *meters) shard(key string) *shardBuckets {
	if m.buckets == nil {
		m.buckets = map[string]*shardBuckets{}
	}
	b, ok := m.buckets[key]
	if !ok {
		b = &shardBuckets{}
		m.buckets[key] = b
	}
	return b
}

// meterKey names a shard's buckets; the stream's identity keeps a stream
// created again under the same name from inheriting them.
func meterKey(s *Stream, shard string) string {
	return s.Name + "/" + strconv.FormatUint(s.ID, 16) + "/" + shard
}

// admitWrite takes one record of size bytes from a shard's write buckets,
// or reports that the shard is over its limits.
func (m *meters) admitWrite(l *Limits, key string, size int, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.shard(key)
	ok := true
	if l.WriteRecords > 0 {
		r := float64(l.WriteRecords)
		b.writeRecords.refill(now, r)
		ok = b.writeRecords.tokens >= 1
	}
	if ok && l.WriteBytes > 0 {
		r := float64(l.WriteBytes)
		b.writeBytes.refill(now, r)
		ok = b.writeBytes.tokens >= float64(size) || b.writeBytes.tokens >= r
	}
	if !ok {
		return false
	}
	if l.WriteRecords > 0 {
		b.writeRecords.tokens--
	}
	if l.WriteBytes > 0 {
		b.writeBytes.tokens -= float64(size)
	}
	return true
}

// admitRead reports whether a shard may be read now: its read bucket is
// not in debt.
func (m *meters) admitRead(l *Limits, key string, now time.Time) bool {
	if l.ReadBytes <= 0 {
		return true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.shard(key)
	b.readBytes.refill(now, float64(l.ReadBytes))
	return b.readBytes.tokens > 0
}

// chargeRead takes what a read returned from the shard's read bucket.
func (m *meters) chargeRead(l *Limits, key string, size int) {
	if l.ReadBytes <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.shard(key).readBytes.tokens -= float64(size)
}
