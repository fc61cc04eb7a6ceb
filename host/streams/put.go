package streams

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Header names on stored records.
const (
	// HeaderPartitionKey holds the partition key, percent-escaped where it
	// has bytes a NATS header cannot carry verbatim (see escapeKey).
	HeaderPartitionKey = "Kinesis-Partition-Key"
	// HeaderExplicitHashKey holds the caller's ExplicitHashKey, if any.
	HeaderExplicitHashKey = "Kinesis-Explicit-Hash-Key"
)

// Record is one record to put.
type Record struct {
	Data            []byte
	PartitionKey    string
	ExplicitHashKey string // decimal, optional
}

// PutResult is the outcome of putting one record: a shard and sequence
// number, or Err (wrapping ErrThroughput or an internal failure).
type PutResult struct {
	ShardID        string
	SequenceNumber string
	Err            error
}

// ValidateRecord checks one record's field constraints, its data against
// the largest record any stream takes (MaxLargeRecordData; put checks it
// against its stream's own limit). index < 0 means a single PutRecord
// (field names differ in messages).
func ValidateRecord(r Record, index int) error {
	if err := validateRecordData(r, index, MaxLargeRecordData); err != nil {
		return err
	}
	n := utf8.RuneCountInString(r.PartitionKey)
	if err := validateLength(r.PartitionKey, recordField(index, "partitionKey"), n, 1, MaxPartitionKeyLen); err != nil {
		return err
	}
	if r.ExplicitHashKey != "" {
		if _, err := ParseHashKey(r.ExplicitHashKey); err != nil {
			return err
		}
	}
	return nil
}

// recordField names a record's field in messages: "data", or
// "records.3.member.data" for the third record of a PutRecords.
func recordField(index int, f string) string {
	if index < 0 {
		return f
	}
	return fmt.Sprintf("records.%d.member.%s", index+1, f)
}

// BlobValue is how AWS's messages show a blob of n bytes.
func BlobValue(n int) string {
	return fmt.Sprintf("java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", n, n)
}

// validateRecordData refuses data longer than max bytes.
func validateRecordData(r Record, index, max int) error {
	if len(r.Data) > max {
		return validationf(BlobValue(len(r.Data)), recordField(index, "data"), fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	return nil
}

// PutRecord puts one record. sequenceForOrdering, when not empty, must be
// a decimal sequence number; the new record's number is then greater than
// it, which holds by construction because the stream sequence only grows.
func (e *Engine) PutRecord(ctx context.Context, name string, r Record, sequenceForOrdering string) (PutResult, error) {
	if err := ValidateRecord(r, -1); err != nil {
		return PutResult{}, err
	}
	if sequenceForOrdering != "" {
		if _, err := ParseSequence("SequenceNumberForOrdering", sequenceForOrdering); err != nil {
			return PutResult{}, err
		}
	}
	res, err := e.put(ctx, name, []Record{r}, true)
	if err != nil {
		return PutResult{}, err
	}
	if res[0].Err != nil {
		return PutResult{}, res[0].Err
	}
	return res[0], nil
}

// PutRecords puts up to 500 records, publishing them all before waiting for
// the acknowledgements. Records for one shard keep their request order. A
// record that fails has Err set; the others are stored.
func (e *Engine) PutRecords(ctx context.Context, name string, recs []Record) ([]PutResult, error) {
	if err := validateLength(len(recs), "records", len(recs), 1, MaxPutRecords); err != nil {
		return nil, err
	}
	for i, r := range recs {
		if err := ValidateRecord(r, i); err != nil {
			return nil, err
		}
	}
	return e.put(ctx, name, recs, false)
}

// checkSizes refuses records larger than the stream takes and a
// PutRecords larger than its request limit (s.MaxPutBytes).
func checkSizes(s *Stream, recs []Record, single bool) error {
	max, total := s.MaxRecordBytes(), 0
	for i, r := range recs {
		index := i
		if single {
			index = -1
		}
		if err := validateRecordData(r, index, max); err != nil {
			return err
		}
		total += len(r.Data) + len(r.PartitionKey)
	}
	if !single && total > s.MaxPutBytes() {
		return errorf(ErrInvalidArgument, "Records size %d bytes exceeds the limit of %d bytes per PutRecords request.", total, s.MaxPutBytes())
	}
	return nil
}

// put routes and publishes records. It holds the stream's lock shared from
// reading the definition to the last acknowledgement, so a reshard's
// switch and a delete (which take it exclusively) never fall between
// routing a record and storing it: every record lands in a shard that was
// open when stored, at or below the EndingSequence the reshard then gives
// it, and before the stream is deleted. The definition comes from the
// cache (defs.go), which holds a committed reshard or delete before its
// lock is released.
func (e *Engine) put(ctx context.Context, name string, recs []Record, single bool) ([]PutResult, error) {
	lk := e.streamLock(name)
	lk.RLock()
	defer lk.RUnlock()
	d, err := e.active(ctx, name)
	if err != nil {
		if serr := e.storageFailure(err); serr != nil {
			return refuseAll(len(recs), serr), nil
		}
		return nil, err
	}
	s := d.s
	if s.Mirror != nil {
		return nil, e.readOnly(s)
	}
	if err := checkSizes(s, recs, single); err != nil {
		return nil, err
	}
	rt, err := d.router()
	if err != nil {
		return nil, fmt.Errorf("put %s: %w", name, err)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	storageErr, failing := e.storageState()
	if storageErr != nil {
		return refuseAll(len(recs), storageErr), nil
	}
	res := make([]PutResult, len(recs))
	b := e.pub.Begin(len(recs))
	expect := []string{jsName(name)}
	keys := make([]string, len(recs))
	limits, now := e.limitsFor(s), e.now()
	for i, r := range recs {
		key := PartitionHash(r.PartitionKey)
		if r.ExplicitHashKey != "" {
			if key, err = ParseHashKey(r.ExplicitHashKey); err != nil {
				e.pub.Wait(ctx, b, failing, e.storageErr)
				return nil, err
			}
		}
		shard := rt.route(key)
		res[i].ShardID = shard
		if limits != nil && !e.meters.admitWrite(limits, meterKey(s, shard), len(r.Data)+len(r.PartitionKey), now) {
			res[i].Err = errorf(ErrThroughput, "Rate exceeded for shard %s in stream %s under account %s.", shard, name, e.cfg.AccountID)
			e.mon.throttledWrite(s, shard)
			continue
		}
		keys[i] = escapeKey(r.PartitionKey)
		msg := &b.msgs[i]
		msg.Subject, msg.Data = shardSubject(name, shard), r.Data
		msg.Header = nats.Header{HeaderPartitionKey: keys[i : i+1 : i+1], jetstream.ExpectedStreamHeader: expect}
		if r.ExplicitHashKey != "" {
			msg.Header[HeaderExplicitHashKey] = []string{r.ExplicitHashKey}
		}
		if err := e.pub.Publish(ctx, b, i); err != nil {
			res[i].Err = e.orStorage(publishError(err))
		}
	}
	e.pub.Wait(ctx, b, failing, e.storageErr)
	stored, storedBytes := 0, 0
	defer func() {
		if s.StreamMode() == ModeOnDemand && stored > 0 {
			e.writes.add(name, storedBytes, stored)
		}
	}()
	for i := range recs {
		if res[i].Err != nil || b.state[i] != recDone {
			continue
		}
		if err := b.errs[i]; err != nil {
			res[i].Err = e.orStorage(publishError(err))
			if errors.Is(res[i].Err, ErrThroughput) {
				e.mon.throttledWrite(s, res[i].ShardID)
			}
			continue
		}
		res[i].SequenceNumber = FormatSequence(b.seqs[i])
		size := len(recs[i].Data) + len(recs[i].PartitionKey)
		stored, storedBytes = stored+1, storedBytes+size
		e.mon.wrote(s, res[i].ShardID, 1, size)
	}
	if e.storageGone(ctx, name, res) {
		return nil, e.notFound(name)
	}
	return res, nil
}

// storageGone reports whether a put failed because the stream's
// JetStream stream no longer exists (deleted by another host, or by hand,
// before this process saw the definition go): the stream is not found,
// which is not a failure of the records.
func (e *Engine) storageGone(ctx context.Context, name string, res []PutResult) bool {
	for _, r := range res {
		if r.Err != nil && errors.Is(r.Err, jetstream.ErrNoStreamResponse) {
			_, err := e.js.Stream(ctx, jsName(name))
			return errors.Is(err, jetstream.ErrStreamNotFound)
		}
	}
	return false
}

// publishError classifies a failed publish: a full store is
// ErrStorageFull, back-pressure a throughput error the producer should
// retry, anything else an internal failure.
func publishError(err error) error {
	if errors.Is(err, ErrStorageFull) {
		return err
	}
	if serr := StorageError(err); serr != nil {
		return serr
	}
	if errors.Is(err, jetstream.ErrTooManyStalledMsgs) || errors.Is(err, nats.ErrSlowConsumer) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return &Error{Kind: ErrThroughput, Msg: "Rate exceeded for shard; retry the record. (" + err.Error() + ")"}
	}
	return fmt.Errorf("Internal service failure: %w", err)
}

// router maps hash keys onto open shards, sorted by starting hash key.
type router struct {
	ranges []HashRange
	ids    []string
}

func newRouter(s *Stream) (*router, error) {
	rt := &router{}
	for _, sh := range s.Shards {
		if !sh.Open() {
			continue
		}
		r, err := sh.HashRange()
		if err != nil {
			return nil, err
		}
		rt.ranges = append(rt.ranges, r)
		rt.ids = append(rt.ids, sh.ID)
	}
	if len(rt.ids) == 0 {
		return nil, errors.New("no open shards")
	}
	sort.Sort(rt)
	return rt, nil
}

func (rt *router) Len() int           { return len(rt.ids) }
func (rt *router) Less(i, j int) bool { return rt.ranges[i].Start.Cmp(rt.ranges[j].Start) < 0 }
func (rt *router) Swap(i, j int) {
	rt.ranges[i], rt.ranges[j] = rt.ranges[j], rt.ranges[i]
	rt.ids[i], rt.ids[j] = rt.ids[j], rt.ids[i]
}

// route returns the open shard whose range holds key: the last range
// starting at or below key (a binary search). Open ranges tile the whole
// key space, so it always holds key; the first range is the fallback.
func (rt *router) route(key HashKey) string {
	i := sort.Search(len(rt.ranges), func(i int) bool { return rt.ranges[i].Start.Cmp(key) > 0 }) - 1
	if i >= 0 && rt.ranges[i].Contains(key) {
		return rt.ids[i]
	}
	for i, r := range rt.ranges {
		if r.Contains(key) {
			return rt.ids[i]
		}
	}
	return rt.ids[len(rt.ids)-1]
}

// escapeKey makes a partition key safe as a NATS header value: printable
// ASCII other than '%' stays as it is, every other byte becomes %XX.
func escapeKey(k string) string {
	safe := true
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= 0x20 || c >= 0x7f || c == '%' {
			safe = false
			break
		}
	}
	if safe {
		return k
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= 0x20 || c >= 0x7f || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeKey reverses escapeKey.
func unescapeKey(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, ok := unhex(s[i+1]); ok {
				if w, ok := unhex(s[i+2]); ok {
					out = append(out, v<<4|w)
					i += 2
					continue
				}
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
