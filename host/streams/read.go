package streams

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Shard iterator types.
const (
	TrimHorizon         = "TRIM_HORIZON"
	Latest              = "LATEST"
	AtSequenceNumber    = "AT_SEQUENCE_NUMBER"
	AfterSequenceNumber = "AFTER_SEQUENCE_NUMBER"
	AtTimestamp         = "AT_TIMESTAMP"
)

// IteratorRequest says where a shard iterator starts.
type IteratorRequest struct {
	Type                   string
	StartingSequenceNumber string
	// Timestamp is required for AT_TIMESTAMP.
	Timestamp *time.Time
}

// StoredRecord is a record as read back.
type StoredRecord struct {
	SequenceNumber  string
	Arrival         time.Time
	Data            []byte
	PartitionKey    string
	ExplicitHashKey string
}

// ReadResult is one GetRecords answer.
type ReadResult struct {
	Records []StoredRecord
	// NextIterator is empty once a closed shard has been read to its end.
	NextIterator string
	// MillisBehindLatest is how far the last record returned is behind the
	// shard's newest record; 0 when caught up.
	MillisBehindLatest int64
	// ChildShards are given at the end of a closed shard.
	ChildShards []Shard

	grant *readGrant // see Release
}

// GetShardIterator returns an iterator token for a shard.
func (e *Engine) GetShardIterator(ctx context.Context, name, shardID string, req IteratorRequest) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	if err := ValidateShardID(shardID); err != nil {
		return "", err
	}
	s, sh, err := e.shardIn(ctx, name, shardID, 0)
	if err != nil {
		return "", err
	}
	it := iterator{Stream: name, StreamID: s.ID, Shard: shardID, Kind: posSeq, Issued: e.now()}
	if req.StartingSequenceNumber != "" && (req.Type == TrimHorizon || req.Type == Latest) {
		return "", errorf(ErrInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", req.Type)
	}
	switch req.Type {
	case TrimHorizon:
		it.Seq = sh.StartingSequence
	case Latest:
		res, err := e.directGet(ctx, s.jsOf(shardID), directRequest{LastFor: shardSubject(name, shardID)})
		if err != nil {
			return "", err
		}
		it.Seq = sh.StartingSequence
		if len(res.Msgs) == 1 {
			it.Seq = res.Msgs[0].Seq + 1
		}
	case AtSequenceNumber, AfterSequenceNumber:
		if req.StartingSequenceNumber == "" {
			return "", errorf(ErrInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", req.Type)
		}
		seq, ours, err := s.parseSequenceIn("StartingSequenceNumber", req.StartingSequenceNumber, sh)
		if err != nil {
			return "", err
		}
		if err := e.checkSequenceInShard(ctx, s, sh, seq, ours, req.StartingSequenceNumber); err != nil {
			return "", err
		}
		it.Seq = seq
		if req.Type == AfterSequenceNumber {
			it.Seq = seq + 1
		}
	case AtTimestamp:
		if req.Timestamp == nil {
			return "", errorf(ErrInvalidArgument, "Timestamp is required for ShardIteratorType AT_TIMESTAMP.")
		}
		it.Kind, it.At = posTime, clampTime(*req.Timestamp)
	default:
		return "", validationf(req.Type, "shardIteratorType", "Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]")
	}
	return e.encodeIterator(it), nil
}

// Earliest and latest times an AT_TIMESTAMP iterator carries: what a
// nanosecond count since 1970 in an int64 can say (years 1677 to 2262).
var (
	earliestTime = time.Unix(0, math.MinInt64)
	latestTime   = time.Unix(0, math.MaxInt64)
)

// clampTime brings an AT_TIMESTAMP time into the range the iterator token
// carries: one before it reads from the trim horizon, one after it waits
// for records that far in the future, as the unclamped time would.
func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(earliestTime):
		return earliestTime
	case t.After(latestTime):
		return latestTime
	}
	return t
}

// checkSequenceInShard refuses a sequence number that belongs to another
// shard or lies beyond the stream's end.
func (e *Engine) checkSequenceInShard(ctx context.Context, s *Stream, sh Shard, seq uint64, ours bool, text string) error {
	name := s.Name
	invalid := func() error {
		return errorf(ErrInvalidArgument, "StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid because it did not come from this stream.", text, sh.ID, name, e.cfg.AccountID)
	}
	if !ours {
		return invalid() // a grouped stream's number of another shard's generation or part
	}
	if seq+1 == sh.StartingSequence {
		// The point before the shard's first record: the continuation
		// of a subscription that has delivered none (subscribe.go).
		return nil
	}
	if !sh.Open() && seq > sh.EndingSequence {
		return invalid()
	}
	if seq == 0 {
		return invalid()
	}
	res, err := e.directGet(ctx, s.jsOf(sh.ID), directRequest{Seq: seq})
	if err != nil {
		return err
	}
	if len(res.Msgs) == 1 {
		if res.Msgs[0].Subject != shardSubject(name, sh.ID) {
			return invalid()
		}
		return nil
	}
	// Gone (expired) or never written: only a number beyond the stream's
	// last sequence is certainly invalid.
	info, err := e.partInfo(ctx, name, s.partOf(sh.ID))
	if err != nil {
		return fmt.Errorf("iterator %s: %w", name, err)
	}
	if seq > info.State.LastSeq {
		return invalid()
	}
	return nil
}

// GetRecords reads up to limit records (at most MaxGetBytes of data) from
// the iterator's position with one batch direct get. The answer's bytes
// count against Config.MaxReadBytes until its Release (or its
// collection): a read that finds less than two records' worth free waits
// for it, then fails with ErrThroughput.
func (e *Engine) GetRecords(ctx context.Context, token string, limit int) (*ReadResult, error) {
	if err := validateRange("limit", limit, 1, MaxGetLimit); err != nil {
		return nil, err
	}
	if err := validateLength(token, "shardIterator", len(token), 1, MaxIteratorLen); err != nil {
		return nil, err
	}
	it, err := e.decodeIterator(token)
	if err != nil {
		return nil, errorf(ErrInvalidArgument, "Invalid ShardIterator.")
	}
	if age := e.now().Sub(it.Issued); age > IteratorTTL {
		return nil, errorf(ErrExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			it.Issued.UTC().Format(time.RFC3339), e.now().UTC().Format(time.RFC3339), IteratorTTL.Milliseconds())
	}
	s, sh, err := e.shardIn(ctx, it.Stream, it.Shard, it.StreamID)
	if err != nil {
		return nil, err
	}
	limits := e.limitsFor(s)
	if limits != nil && !e.meters.admitRead(limits, meterKey(s, it.Shard), e.now()) {
		e.mon.throttledRead(s, it.Shard)
		return nil, errorf(ErrThroughput, "Rate exceeded for shard %s in stream %s under account %s.", it.Shard, it.Stream, e.cfg.AccountID)
	}
	slack := readSlack(s.peakRecordBytes())
	grant := e.reads.take(ctx, slack)
	if grant == nil {
		e.mon.throttledRead(s, it.Shard)
		return nil, errorf(ErrThroughput, "Rate exceeded for shard %s in stream %s under account %s.", it.Shard, it.Stream, e.cfg.AccountID)
	}
	out, err := e.read(ctx, it, s, sh, limit, limits, grant, slack)
	if err != nil {
		grant.release()
		return nil, err
	}
	out.hold(grant)
	return out, nil
}

// read is GetRecords once the iterator is checked and the grant taken:
// one batch direct get of at most the grant's bytes.
func (e *Engine) read(ctx context.Context, it iterator, s *Stream, sh Shard, limit int, limits *Limits, grant *readGrant, slack int64) (*ReadResult, error) {
	subject := shardSubject(it.Stream, it.Shard)
	req := directRequest{NextFor: subject, Batch: limit, MaxBytes: int(grant.n - slack)}
	if it.Kind == posTime {
		at := it.At.UTC()
		req.StartTime = &at
	} else {
		req.Seq = it.Seq
	}
	res, err := e.directGet(ctx, s.jsOf(it.Shard), req)
	if err != nil {
		return nil, err
	}
	held := int64(0)
	for _, m := range res.Msgs {
		held += int64(len(m.Data)) + readRecordOverhead
	}
	if e.readHook != nil {
		e.readHook(held, grant.n)
	}
	grant.shrink(held)
	out := &ReadResult{}
	size, dropped, beyond := 0, 0, false
	next := it
	next.Issued = e.now()
	for i, m := range res.Msgs {
		if !sh.Open() && m.Seq > sh.EndingSequence {
			// Stored after the shard closed (a put that timed out and was
			// reported failed): never part of the shard.
			beyond = true
			break
		}
		if size+len(m.Data) > MaxGetBytes {
			dropped = len(res.Msgs) - i
			break
		}
		size += len(m.Data)
		out.Records = append(out.Records, StoredRecord{
			SequenceNumber:  s.SequenceNumber(sh, m.Seq),
			Arrival:         m.Time,
			Data:            m.Data,
			PartitionKey:    unescapeKey(m.Header.Get(HeaderPartitionKey)),
			ExplicitHashKey: m.Header.Get(HeaderExplicitHashKey),
		})
		next.Kind, next.Seq = posSeq, m.Seq+1
	}
	if limits != nil {
		e.meters.chargeRead(limits, meterKey(s, it.Shard), size)
	}
	pending := res.Pending + uint64(dropped)
	e.mon.read(s, it.Shard, out, size, pending == 0, e.now())
	if pending > 0 && !beyond && len(out.Records) > 0 {
		last, err := e.directGet(ctx, s.jsOf(it.Shard), directRequest{LastFor: subject})
		if err != nil {
			return nil, err
		}
		if len(last.Msgs) == 1 {
			out.MillisBehindLatest = max(0, last.Msgs[0].Time.Sub(out.Records[len(out.Records)-1].Arrival).Milliseconds())
		}
	}
	e.mon.stream.read(s, it.Shard, OpGetRecords, out.Records, out.MillisBehindLatest)
	if !sh.Open() && (beyond || pending == 0) {
		// A closed shard read to its end (nothing of it follows: the
		// subject takes no record after the shard closed): no next
		// iterator; name the children.
		for _, c := range s.Shards {
			if c.ParentShardID == sh.ID || c.AdjacentParentShardID == sh.ID {
				out.ChildShards = append(out.ChildShards, c)
			}
		}
		return out, nil
	}
	out.NextIterator = e.encodeIterator(next)
	return out, nil
}

// shardIn returns the (shared, read-only) definition of a stream usable
// for records and its shard id, of the stream identity streamID unless
// that is 0. When the cached definition has no such shard or identity,
// the KV is asked: another host's reshard (which made the shard an
// iterator from that host names) or re-create may not have reached this
// host's cache yet.
func (e *Engine) shardIn(ctx context.Context, name, id string, streamID uint64) (*Stream, Shard, error) {
	s, err := e.loadActive(ctx, name)
	if err != nil {
		return nil, Shard{}, err
	}
	sh, ok := s.Shard(id)
	if ok && (streamID == 0 || s.ID == streamID) {
		return s, sh, nil
	}
	d, err := e.refresh(ctx, name)
	if err != nil {
		return nil, Shard{}, err
	}
	if !usable(d.s) {
		return nil, Shard{}, e.notFound(name)
	}
	if sh, ok = d.s.Shard(id); !ok || streamID != 0 && d.s.ID != streamID {
		return nil, Shard{}, e.shardNotFound(name, id)
	}
	return d.s, sh, nil
}

func (e *Engine) shardNotFound(name, shardID string) error {
	return errorf(ErrNotFound, "Shard %s in stream %s under account %s does not exist", shardID, name, e.cfg.AccountID)
}
