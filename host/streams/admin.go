package streams

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// CreateOptions are what a stream is created with beside its shards.
type CreateOptions struct {
	// Tags are the stream's tags, checked as AddTags checks them (at most
	// MaxTags): they are in its definition from the start, so a create
	// with a bad tag creates nothing.
	Tags map[string]string
	// MaxRecordSizeKiB is its largest record data in KiB
	// (MinRecordSizeKiB..MaxRecordSizeKiB, as SetMaxRecordSize checks
	// it); 0 is the default, MinRecordSizeKiB.
	MaxRecordSizeKiB int
	// ShardGroups is the number of JetStream streams its shards spread
	// over (groups.go, 1..MaxShardGroups); 0 is the ShardGroupsTag tag's
	// number if Tags has it, else Config.ShardGroups.
	ShardGroups int
}

// CreateStream creates a stream with shardCount shards whose hash ranges
// split the key space as Kinesis does. It returns once the stream is ACTIVE.
func (e *Engine) CreateStream(ctx context.Context, name string, shardCount int) error {
	return e.CreateStreamWith(ctx, name, shardCount, CreateOptions{})
}

// CreateStreamWith is CreateStream with tags and a record size.
func (e *Engine) CreateStreamWith(ctx context.Context, name string, shardCount int, opts CreateOptions) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if shardCount < 1 {
		return validationf(shardCount, "shardCount", "Member must have value greater than or equal to 1")
	}
	if opts.MaxRecordSizeKiB != 0 {
		if err := e.checkRecordSize(opts.MaxRecordSizeKiB); err != nil {
			return err
		}
	}
	if err := e.checkNewTags(name, opts.Tags); err != nil {
		return err
	}
	if v, ok := opts.Tags[ShardGroupsTag]; ok && opts.ShardGroups == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxShardGroups {
			return errorf(ErrInvalidArgument, "Tag %s must be a number of shard groups from 1 to %d, not %q.", ShardGroupsTag, MaxShardGroups, v)
		}
		opts.ShardGroups = n
	}
	if opts.ShardGroups != 0 {
		if err := validateRange("shardGroups", opts.ShardGroups, 1, MaxShardGroups); err != nil {
			return err
		}
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
		Tags:           maps.Clone(opts.Tags),
	}
	if g := cmp.Or(opts.ShardGroups, e.cfg.ShardGroups); g > 1 {
		s.Groups = g
	}
	if opts.MaxRecordSizeKiB > MinRecordSizeKiB {
		s.MaxRecordKiB, s.PeakRecordKiB = opts.MaxRecordSizeKiB, opts.MaxRecordSizeKiB
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
	for g := range s.parts() {
		cfg := e.jsConfig(s, g)
		_, err := e.js.CreateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Left over with another config (no definition owned it): its
			// records belong to no stream, so start clean.
			e.log.Warn("replacing orphaned JetStream stream", "stream", s.Name, "jetstream", cfg.Name)
			if err = e.js.DeleteStream(ctx, cfg.Name); err == nil {
				_, err = e.js.CreateStream(ctx, cfg)
			}
		}
		if err != nil {
			return fmt.Errorf("create %s: %w", s.Name, err)
		}
	}
	_, err := e.update(ctx, s.Name, func(cur *Stream) error {
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

// jsConfig is the configuration of part g of s's JetStream streams (the
// only one unless s is grouped).
func (e *Engine) jsConfig(s *Stream, g int) jetstream.StreamConfig {
	if s.Mirror != nil {
		// A mirror has no subjects of its own: JetStream refuses both.
		desc := "Sluice mirror " + s.Name + " of " + s.Mirror.Stream + " in domain " + s.Mirror.Domain
		if s.Grouped() {
			desc += fmt.Sprintf(" (shard group %d of %d)", g, s.Groups)
		}
		return jetstream.StreamConfig{
			Name:        partJS(s.Name, g),
			Description: desc,
			Mirror:      mirrorConfig(s.Mirror, s.Name, g),
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardOld,
			MaxAge:      time.Duration(s.RetentionHours) * time.Hour,
			AllowDirect: true,
			Replicas:    e.cfg.Replicas,
		}
	}
	desc := "Sluice data stream " + s.Name
	if s.Grouped() {
		desc += fmt.Sprintf(" (shard group %d of %d)", g, s.Groups)
	}
	return jetstream.StreamConfig{
		Name:        partJS(s.Name, g),
		Description: desc,
		Subjects:    openSubjects(s, g),
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      time.Duration(s.RetentionHours) * time.Hour,
		AllowDirect: true,
		Replicas:    e.cfg.Replicas,
	}
}

// DeleteStream deletes a stream and all its records. It marks the
// definition DELETING first (compare-and-set), so every host refuses new
// puts as not found once it sees the mark; a put already publishing either
// lands before the JetStream stream goes or finds it gone (ErrNotFound,
// storageGone), on whichever host it runs. It works on a full store too
// (see deleteWhenFull), and frees the records' space.
func (e *Engine) DeleteStream(ctx context.Context, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if e.storageErr() != nil {
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
		return e.deleteWhenFull(ctx, name)
	}
	if err != nil {
		return err
	}
	return e.finishDelete(ctx, name)
}

// finishDelete removes the JetStream stream, then the definition, leaving
// a tombstone (see Deleted) of what it held. Before the JetStream stream
// goes it is fenced as a reshard's parents are (fence.go): every shard
// subject is dropped, so a put on any host that has not seen DELETING yet
// is refused at once (and answered not found), and a barrier waits until
// the records JetStream took before are stored and acknowledged; none is
// left waiting for an answer that a deleted stream never sends.
func (e *Engine) finishDelete(ctx context.Context, name string) error {
	parts := 1
	if s, _, err := e.load(ctx, name); err == nil {
		e.writeTombstone(ctx, s)
		parts = s.parts()
	}
	for g := range parts {
		if err := e.setSubjects(ctx, name, g, []string{partFence(name, g)}); err == nil {
			if _, err := e.barrier(ctx, name, g); err != nil {
				e.log.Warn("delete: barrier", "stream", name, "err", err)
			}
		} else if !errors.Is(err, ErrNotFound) {
			e.log.Warn("delete: fencing the shards off", "stream", name, "err", err)
		}
	}
	for g := range parts {
		if err := e.js.DeleteStream(ctx, partJS(name, g)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("delete %s: %w", name, err)
		}
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
	if err := validateRange("retentionPeriodHours", hours, 1, MaxRetentionHours); err != nil {
		return err
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
	if _, err := e.storageInfo(ctx, name); err != nil {
		return err // its JetStream stream is gone: not found
	}
	// The stream is UPDATING while its JetStream configuration changes,
	// as on AWS: a reshard's fence (which rewrites that configuration
	// too) cannot start meanwhile. JetStream first, then the definition:
	// if the second write is lost in a crash, the stream keeps records at
	// least as long as the caller asked, and Open finishes the change.
	if _, err := e.update(ctx, name, func(cur *Stream) error {
		if cur.ID != s.ID {
			return e.notFound(name)
		}
		if err := e.requireActiveStatus(cur); err != nil { // a mirror's retention is its own
			return err
		}
		cur.Status, cur.PendingRetention, cur.UpdatingSince = StatusUpdating, hours, e.now().UTC()
		return nil
	}); err != nil {
		return err
	}
	return e.finishRetention(ctx, name, s.parts(), hours)
}

// finishRetention sets the JetStream stream's MaxAge of a stream UPDATING
// for a retention change, then makes the change in the definition and the
// stream ACTIVE. If JetStream refuses, the definition goes back to ACTIVE
// unchanged.
func (e *Engine) finishRetention(ctx context.Context, name string, parts, hours int) error {
	var jsErr error
	for g := range parts {
		if jsErr = e.updateJetStream(ctx, name, g, func(cfg *jetstream.StreamConfig) bool {
			want := time.Duration(hours) * time.Hour
			if cfg.MaxAge == want {
				return false
			}
			cfg.MaxAge = want
			return true
		}); jsErr != nil {
			break
		}
	}
	_, err := e.update(ctx, name, func(cur *Stream) error {
		if cur.Status != StatusUpdating || cur.PendingRetention != hours {
			return nil // finished already (by recovery on another host)
		}
		if jsErr == nil {
			cur.RetentionHours = hours
		}
		cur.Status, cur.PendingRetention, cur.UpdatingSince = StatusActive, 0, time.Time{}
		return nil
	})
	if jsErr != nil {
		if errors.Is(jsErr, ErrNotFound) {
			return jsErr
		}
		return fmt.Errorf("retention %s: %w", name, jsErr)
	}
	return err
}

// recoverRetention finishes the retention change of a stream found
// UPDATING for one.
func (e *Engine) recoverRetention(ctx context.Context, s *Stream) error {
	e.log.Info("finishing interrupted retention change", "stream", s.Name, "hours", s.PendingRetention)
	return e.finishRetention(ctx, s.Name, s.parts(), s.PendingRetention)
}

// recordOverhead is the most a stored record's message adds to its data:
// subject, partition key (escaped) and explicit hash key headers.
const recordOverhead = 8 << 10

// checkRecordSize refuses a record size out of range, or one this server
// could not carry: a record must fit one NATS message of the connection
// (natsd.DefaultMaxPayload on the embedded server), and the read budget
// (Config.MaxReadBytes) must hold the least grant a read of such records
// needs, or the stream could never be read.
func (e *Engine) checkRecordSize(kib int) error {
	if err := validateRange("maxRecordSizeInKiB", kib, MinRecordSizeKiB, MaxRecordSizeKiB); err != nil {
		return err
	}
	n := kib << 10
	if payload := e.nc.MaxPayload(); int64(n)+recordOverhead > payload {
		return errorf(ErrLimitExceeded, "MaxRecordSizeInKiB %d is more than this server can carry: a record and its headers must fit one NATS message of at most %d bytes (the NATS server's max_payload).", kib, payload)
	}
	if need := readMinGrant(n); need > e.cfg.MaxReadBytes {
		return errorf(ErrLimitExceeded, "MaxRecordSizeInKiB %d is more than this server can read: a read of such records needs %d bytes of the server's read budget of %d bytes.", kib, need, e.cfg.MaxReadBytes)
	}
	return nil
}

// SetMaxRecordSize sets the largest record data a stream takes, in KiB
// (UpdateMaxRecordSize): MinRecordSizeKiB (the default) to
// MaxRecordSizeKiB. Records already stored stay readable when it is
// lowered.
func (e *Engine) SetMaxRecordSize(ctx context.Context, name string, kib int) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := e.checkRecordSize(kib); err != nil {
		return err
	}
	_, err := e.update(ctx, name, func(s *Stream) error {
		if err := e.requireActive(s); err != nil {
			return err
		}
		s.MaxRecordKiB = kib
		if kib == MinRecordSizeKiB {
			s.MaxRecordKiB = 0
		}
		s.PeakRecordKiB = max(s.PeakRecordKiB, kib)
		return nil
	})
	if err == nil {
		e.log.Info("stream record size changed", "stream", name, "max_record_kib", kib)
	}
	return err
}
