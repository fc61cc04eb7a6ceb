package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Status is a stream's lifecycle state, as Kinesis names it.
type Status string

// Stream statuses.
const (
	StatusCreating Status = "CREATING"
	StatusActive   Status = "ACTIVE"
	StatusUpdating Status = "UPDATING"
	StatusDeleting Status = "DELETING"
)

// Shard describes one shard. Parent links, EndingSequence and the starting
// sequence are there for resharding: a split or merge closes parents (sets
// Closed and EndingSequence) and appends children that name them, on new
// subjects.
type Shard struct {
	ID                    string `json:"id"`
	ParentShardID         string `json:"parent,omitempty"`
	AdjacentParentShardID string `json:"adjacentParent,omitempty"`
	StartingHashKey       string `json:"startHash"`
	EndingHashKey         string `json:"endHash"`
	// StartingSequence is at or below the first record the shard can hold.
	StartingSequence uint64 `json:"startSeq"`
	// EndingSequence is the last sequence of a closed shard: the stream's
	// last sequence when the shard closed, so at or above its last record.
	// A shard that closed before any record was stored may have an
	// EndingSequence below its StartingSequence.
	EndingSequence uint64 `json:"endSeq,omitempty"`
	// Closed is set when a reshard closed the shard.
	Closed bool `json:"closed,omitempty"`
	// CreatedAt and ClosedAt are when the shard opened (zero for the
	// shards a stream was created with) and closed; ListShards filters
	// by them.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// Gen is the generation of the reshard that made the shard (0 for
	// the shards a stream was created with): a grouped stream's sequence
	// numbers carry it (groups.go).
	Gen uint64 `json:"gen,omitempty"`
}

// Open reports whether the shard still takes records.
func (s Shard) Open() bool { return !s.Closed }

// HashRange parses the shard's range.
func (s Shard) HashRange() (HashRange, error) {
	start, err := ParseHashKey(s.StartingHashKey)
	if err != nil {
		return HashRange{}, err
	}
	end, err := ParseHashKey(s.EndingHashKey)
	if err != nil {
		return HashRange{}, err
	}
	return HashRange{start, end}, nil
}

// Stream is a stream's definition as stored in the KV bucket.
type Stream struct {
	Name string `json:"name"`
	// ID is a random identity given at creation, so that state naming a
	// stream (an iterator) is refused by a later stream of the same name.
	ID             uint64            `json:"id"`
	Status         Status            `json:"status"`
	Created        time.Time         `json:"created"`
	RetentionHours int               `json:"retentionHours"`
	Shards         []Shard           `json:"shards"`
	Tags           map[string]string `json:"tags,omitempty"`
	// NextShard is the index of the next shard id a reshard gives out
	// (ids are never reused, also after closed shards were pruned); 0 in
	// definitions written before pruning existed, where it is
	// len(Shards).
	NextShard int `json:"nextShard,omitempty"`
	// Generation counts the reshards committed; a reshard commits only
	// against the generation it planned on.
	Generation uint64 `json:"generation,omitempty"`
	// Groups is the number of JetStream streams (parts) holding the
	// stream's shards, set at creation (groups.go); 0 or 1 is one.
	Groups int `json:"groups,omitempty"`
	// Mode is PROVISIONED (or empty) or ON_DEMAND; OnDemand is the
	// stream's own scaling policy (nil: the engine's).
	Mode     string          `json:"mode,omitempty"`
	OnDemand *OnDemandPolicy `json:"onDemand,omitempty"`
	// MaxRecordKiB is the largest record data in KiB
	// (UpdateMaxRecordSize); 0 means MinRecordSizeKiB, the default.
	MaxRecordKiB int `json:"maxRecordKiB,omitempty"`
	// PeakRecordKiB is the largest MaxRecordKiB the stream ever had:
	// records that large may still be stored after the limit was lowered,
	// so reads are granted memory for them (see readSlack).
	PeakRecordKiB int `json:"peakRecordKiB,omitempty"`
	// ShardLevelMetrics are the enhanced monitoring metrics enabled
	// (EnableEnhancedMonitoring), in MetricNames order.
	ShardLevelMetrics []string `json:"shardLevelMetrics,omitempty"`
	// LastReshard is when the last reshard committed.
	LastReshard time.Time `json:"lastReshard,omitzero"`
	// Pending is the reshard under way while Status is UPDATING; Open
	// finishes it after a crash.
	Pending *Reshard `json:"pending,omitempty"`
	// PendingRetention is the retention in hours being set while Status
	// is UPDATING for a retention change (SetRetention); Open finishes it
	// after a crash.
	PendingRetention int `json:"pendingRetention,omitempty"`
	// UpdatingSince is when the stream went UPDATING (zero in
	// definitions written before it existed): a stream UPDATING for
	// longer than StuckAfter, whose host died or stalled midway, is
	// finished by any host's maintenance loop (finishStuck).
	UpdatingSince time.Time `json:"updatingSince,omitzero"`
	// Mirror, when set, makes the stream a read-only mirror of a stream
	// in another JetStream domain (mirror.go).
	Mirror *Mirror `json:"mirror,omitempty"`
}

// OpenShards counts the shards that take records.
func (s *Stream) OpenShards() int {
	n := 0
	for _, sh := range s.Shards {
		if sh.Open() {
			n++
		}
	}
	return n
}

// RecordSizeKiB is the largest record data the stream takes, in KiB.
func (s *Stream) RecordSizeKiB() int {
	if s.MaxRecordKiB == 0 {
		return MinRecordSizeKiB
	}
	return s.MaxRecordKiB
}

// MaxRecordBytes is the largest record data the stream takes.
func (s *Stream) MaxRecordBytes() int { return s.RecordSizeKiB() << 10 }

// peakRecordBytes is the largest record data the stream may hold.
func (s *Stream) peakRecordBytes() int { return max(s.PeakRecordKiB<<10, s.MaxRecordBytes()) }

// MaxPutBytes is the most data and keys one PutRecords to the stream
// carries: MaxPutBytes, or MaxLargePutBytes once its record size was
// raised above MaxRecordData.
func (s *Stream) MaxPutBytes() int {
	if s.MaxRecordBytes() > MaxRecordData {
		return MaxLargePutBytes
	}
	return MaxPutBytes
}

// nextShardIndex is the index of the next shard id to give out.
func (s *Stream) nextShardIndex() int {
	return max(s.NextShard, len(s.Shards))
}

// Shard finds a shard by id.
func (s *Stream) Shard(id string) (Shard, bool) {
	for _, sh := range s.Shards {
		if sh.ID == id {
			return sh, true
		}
	}
	return Shard{}, false
}

// maxCASRetries bounds optimistic-concurrency retries on a definition.
const maxCASRetries = 16

// load returns a stream definition and its KV revision, from the
// definitions cache (defs.go) when it holds it. The definition is shared:
// read it, never modify it.
func (e *Engine) load(ctx context.Context, name string) (*Stream, uint64, error) {
	d, err := e.definition(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	return d.s, d.rev, nil
}

// loadActive returns a (shared, read-only) stream definition that is
// usable for records.
func (e *Engine) loadActive(ctx context.Context, name string) (*Stream, error) {
	d, err := e.active(ctx, name)
	if err != nil {
		return nil, err
	}
	return d.s, nil
}

func (e *Engine) notFound(name string) error {
	return errorf(ErrNotFound, "Stream %s under account %s not found.", name, e.cfg.AccountID)
}

// update applies fn to the stored definition (read from the KV, not the
// cache) with compare-and-set, retrying when another writer got there
// first. The definition written is in the cache at its revision when
// update returns.
func (e *Engine) update(ctx context.Context, name string, fn func(*Stream) error) (*Stream, error) {
	for range maxCASRetries {
		s, rev, err := e.fetch(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := fn(s); err != nil {
			return nil, err
		}
		data, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("update stream %s: %w", name, err)
		}
		if serr := e.storageErr(); serr != nil {
			// The write would wait out JetStream's timeout on a failing
			// store: say so at once.
			return nil, StorageFailed(serr)
		}
		newRev, err := e.kv.Update(ctx, kvKey(name), data, rev)
		if err == nil {
			e.offer(name, newRev, data)
			return s, nil
		}
		if !isCASConflict(err) {
			return nil, fmt.Errorf("update stream %s: %w", name, err)
		}
	}
	return nil, errorf(ErrInUse, "Stream %s is being changed concurrently; retry.", name)
}

func isCASConflict(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return errors.Is(err, jetstream.ErrKeyExists)
}

// offer gives the cache its own decoded copy of a definition this process
// wrote at rev, so that later changes to the writer's copy stay private.
func (e *Engine) offer(name string, rev uint64, data []byte) {
	s, err := decodeStream(data)
	if err != nil {
		return
	}
	e.defs.offer(name, rev, s)
}

// streams lists every definition (shared, read-only), from the cache when
// it is synced.
func (e *Engine) streams(ctx context.Context) ([]*Stream, error) {
	if all, ok := e.defs.snapshot(); ok {
		return all, nil
	}
	return e.all(ctx)
}

// all lists every stored definition, in no particular order, read from
// the KV.
func (e *Engine) all(ctx context.Context) ([]*Stream, error) {
	w, err := e.kv.WatchFiltered(ctx, []string{kvPrefix + ">"}, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	defer w.Stop()
	var out []*Stream
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("list streams: %w", ctx.Err())
		case entry, ok := <-w.Updates():
			if !ok {
				return nil, errors.New("list streams: watcher closed")
			}
			if entry == nil {
				return out, nil
			}
			s, err := decodeStream(entry.Value())
			if err != nil {
				e.log.Warn("unreadable stream definition", "key", entry.Key(), "err", err)
				continue
			}
			out = append(out, s)
		}
	}
}
