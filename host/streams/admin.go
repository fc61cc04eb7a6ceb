package streams

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// CreateStream creates a stream with shardCount shards whose hash ranges
// split the key space as Kinesis does. It returns once the stream is ACTIVE.
func (e *Engine) CreateStream(ctx context.Context, name string, shardCount int) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if shardCount < 1 {
		return validationf(shardCount, "shardCount", "Member must have value greater than or equal to 1")
	}
	if shardCount > e.cfg.MaxShards {
		return errorf(ErrLimitExceeded, "This request would exceed the shard limit of %d shards per stream.", e.cfg.MaxShards)
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	s := &Stream{
		Name:           name,
		ID:             binary.BigEndian.Uint64(idb[:]) | 1,
		Status:         StatusCreating,
		Created:        e.now().UTC().Truncate(time.Millisecond),
		RetentionHours: DefaultRetentionHours,
		NextShard:      shardCount,
	}
	for i, r := range SplitHashRange(shardCount) {
		s.Shards = append(s.Shards, Shard{
			ID:               ShardID(i),
			StartingHashKey:  r.Start.String(),
			EndingHashKey:    r.End.String(),
			StartingSequence: 1,
		})
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if err := e.storageErr(); err != nil {
		return StorageFailed(err)
	}
	if _, err := e.kv.Create(ctx, kvKey(name), data); err != nil {
		if isCASConflict(err) {
			return errorf(ErrInUse, "Stream %s under account %s already exists.", name, e.cfg.AccountID)
		}
		if serr := StorageError(err); serr != nil {
			return serr
		}
		return fmt.Errorf("create %s: %w", name, err)
	}
	return e.finishCreate(ctx, s)
}

// finishCreate makes the JetStream stream for a CREATING definition and
// marks it ACTIVE. It is idempotent, so recovery can repeat it.
func (e *Engine) finishCreate(ctx context.Context, s *Stream) error {
	cfg := e.jsConfig(s)
	_, err := e.js.CreateStream(ctx, cfg)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		// Left over with another config (no definition owned it): its
		// records belong to no stream, so start clean.
		e.log.Warn("replacing orphaned JetStream stream", "stream", s.Name)
		if err = e.js.DeleteStream(ctx, cfg.Name); err == nil {
			_, err = e.js.CreateStream(ctx, cfg)
		}
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", s.Name, err)
	}
	_, err = e.update(ctx, s.Name, func(cur *Stream) error {
		if cur.ID != s.ID {
			return errorf(ErrInUse, "Stream %s was replaced during creation.", s.Name)
		}
		cur.Status = StatusActive
		return nil
	})
	if err == nil {
		e.log.Info("stream created", "stream", s.Name, "shards", len(s.Shards))
	}
	return err
}

func (e *Engine) jsConfig(s *Stream) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        jsName(s.Name),
		Description: "Sluice data stream " + s.Name,
		Subjects:    []string{subjectPrefix + token(s.Name) + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      time.Duration(s.RetentionHours) * time.Hour,
		AllowDirect: true,
	}
}

// DeleteStream deletes a stream and all its records. It marks the
// definition DELETING with this process's puts to the stream held off (the
// stream lock, as a reshard's switch takes it), so a put either finishes
// before the delete or finds the stream gone (ErrNotFound); none waits on
// a JetStream stream that vanished under it. It works on a full store too
// (see deleteWhenFull), and frees the records' space.
func (e *Engine) DeleteStream(ctx context.Context, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	lk := e.streamLock(name)
	lk.Lock()
	if e.storageErr() != nil {
		defer lk.Unlock()
		return e.deleteWhenFull(ctx, name)
	}
	_, err := e.update(ctx, name, func(s *Stream) error {
		if s.Status == StatusCreating {
			return errorf(ErrInUse, "Stream %s under account %s is being created.", name, e.cfg.AccountID)
		}
		s.Status = StatusDeleting
		return nil
	})
	if err != nil && e.fullStoreDelete(err) {
		defer lk.Unlock()
		return e.deleteWhenFull(ctx, name)
	}
	lk.Unlock()
	if err != nil {
		return err
	}
	return e.finishDelete(ctx, name)
}

// finishDelete removes the JetStream stream, then the definition, leaving
// a tombstone (see Deleted) of what it held.
func (e *Engine) finishDelete(ctx context.Context, name string) error {
	if s, _, err := e.load(ctx, name); err == nil {
		e.writeTombstone(ctx, s)
	}
	if err := e.js.DeleteStream(ctx, jsName(name)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	_, rev, _ := e.load(ctx, name)
	if err := e.kv.Purge(ctx, kvKey(name)); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if rev > 0 {
		e.defs.forget(name, rev)
	}
	e.dropConsumers(ctx, name)
	e.log.Info("stream deleted", "stream", name)
	return nil
}

// DescribeStream returns a stream's definition, as the engine's cache
// holds it: shared, so read it and never modify it.
func (e *Engine) DescribeStream(ctx context.Context, name string) (*Stream, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	s, _, err := e.load(ctx, name)
	return s, err
}

// ListStreams returns up to limit streams in name order, starting after
// the name exclusiveStart (empty: from the first), and whether more follow.
// The definitions are shared, as DescribeStream's.
func (e *Engine) ListStreams(ctx context.Context, exclusiveStart string, limit int) ([]*Stream, bool, error) {
	all, err := e.streams(ctx)
	if err != nil {
		return nil, false, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	i := sort.Search(len(all), func(i int) bool { return all[i].Name > exclusiveStart })
	all = all[i:]
	if limit > 0 && len(all) > limit {
		return all[:limit], true, nil
	}
	return all, false, nil
}

// SetRetention changes the retention period. increase says which API was
// called: an increase must not lower the period and a decrease must not
// raise it, as in Kinesis.
func (e *Engine) SetRetention(ctx context.Context, name string, hours int, increase bool) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if hours < 1 || hours > MaxRetentionHours {
		return validationf(hours, "retentionPeriodHours", fmt.Sprintf("Member must have value between 1 and %d", MaxRetentionHours))
	}
	if hours < MinRetentionHours {
		return errorf(ErrInvalidArgument, "Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", MinRetentionHours, hours)
	}
	s, err := e.loadActive(ctx, name)
	if err != nil {
		return err
	}
	if increase && hours < s.RetentionHours {
		return errorf(ErrInvalidArgument, "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, name, s.RetentionHours)
	}
	if !increase && hours > s.RetentionHours {
		return errorf(ErrInvalidArgument, "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, name, s.RetentionHours)
	}
	// JetStream first: if the definition update is lost in a crash, the
	// stream keeps records at least as long as the caller asked.
	cfg := e.jsConfig(s)
	cfg.MaxAge = time.Duration(hours) * time.Hour
	if _, err := e.js.UpdateStream(ctx, cfg); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return e.notFound(name)
		}
		return fmt.Errorf("retention %s: %w", name, err)
	}
	_, err = e.update(ctx, name, func(cur *Stream) error {
		if cur.ID != s.ID {
			return e.notFound(name)
		}
		cur.RetentionHours = hours
		return nil
	})
	return err
}
