package streams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
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

// Bounds of a put's second tries on the children of a shard that closed
// under it (see put): at most maxReroutes rounds, each waiting at most
// rerouteWait (or the put's deadline, if sooner) for this host to see the
// reshard that closed the shard.
const (
	maxReroutes = 3
	rerouteWait = 5 * time.Second
	// refuseWait is how long a refused record waits before it is sent
	// again on the same shard when no reshard is under way (JetStream
	// restarting): jetstream.DefaultPubRetryWait, as the publisher would.
	refuseWait = publishRetryWait
)

// put routes and publishes records. No lock orders it against a reshard
// on this or any other host; the reshard's fence does (fence.go): a
// record published to a shard that a reshard closed meanwhile is refused
// by JetStream (no stream takes the subject any more), so it is either
// stored at or below the EndingSequence the reshard gives the shard, or
// not at all. The refused records are put again, in their request order,
// on the shards that hold their hash keys in the definition that closed
// the shard (awaitClosed), at most maxReroutes times; a record whose new
// shards this host does not see in time fails with ErrThroughput, which
// producers retry. The definition comes from the cache (defs.go).
func (e *Engine) put(ctx context.Context, name string, recs []Record, single bool) ([]PutResult, error) {
	d, err := e.active(ctx, name)
	if err != nil {
		if serr := e.storageFailure(err); serr != nil {
			return refuseAll(len(recs), serr), nil
		}
		return nil, err
	}
	if d.s.Mirror != nil {
		return nil, e.readOnly(d.s)
	}
	if err := checkSizes(d.s, recs, single); err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	storageErr, failing := e.storageState()
	if storageErr != nil {
		return refuseAll(len(recs), storageErr), nil
	}
	res := make([]PutResult, len(recs))
	todo := make([]int, len(recs))
	for i := range todo {
		todo[i] = i
	}
	for round := 0; ; round++ {
		refused, err := e.publish(ctx, d, recs, todo, res, failing, round == 0)
		if err != nil {
			return nil, err
		}
		if len(refused) == 0 {
			break
		}
		if round == maxReroutes {
			e.closingShard(d.s, refused, res)
			break
		}
		next, err := e.awaitClosed(ctx, name, d, refused, res)
		if err != nil {
			return nil, err
		}
		if next == nil {
			e.closingShard(d.s, refused, res)
			break
		}
		if next != d {
			e.rerouted.Add(int64(len(refused)))
		}
		d, todo = next, refused
	}
	if e.storageGone(ctx, name, res) {
		return nil, e.notFound(name)
	}
	return res, nil
}

// publish routes the records recs[i] for i in todo with d, publishes them
// and fills in res; it returns the records JetStream refused for want of
// a stream taking their subject (their shard closed, or the stream is
// gone), in request order. admit is false on a second try: the records
// were counted against their first shard's limits already.
func (e *Engine) publish(ctx context.Context, d *definition, recs []Record, todo []int, res []PutResult, failing <-chan struct{}, admit bool) ([]int, error) {
	s := d.s
	rt, err := d.router()
	if err != nil {
		return nil, fmt.Errorf("put %s: %w", s.Name, err)
	}
	b := e.pub.Begin(len(todo))
	b.FailFast()                          // a refusal is looked into below
	expect := make([][]string, s.parts()) // each part's ExpectedStreamHeader
	for g := range expect {
		expect[g] = []string{partJS(s.Name, g)}
	}
	keys := make([]string, len(todo))
	gens := make([]uint64, len(todo)) // each record's shard's generation
	limits, now := e.limitsFor(s), e.now()
	for j, i := range todo {
		r := recs[i]
		key := PartitionHash(r.PartitionKey)
		if r.ExplicitHashKey != "" {
			if key, err = ParseHashKey(r.ExplicitHashKey); err != nil {
				e.pub.Wait(ctx, b, failing, e.storageErr)
				return nil, err
			}
		}
		shard, gen := rt.route(key)
		gens[j] = gen
		res[i] = PutResult{ShardID: shard}
		if admit && limits != nil && !e.meters.admitWrite(limits, meterKey(s, shard), len(r.Data)+len(r.PartitionKey), now) {
			res[i].Err = errorf(ErrThroughput, "Rate exceeded for shard %s in stream %s under account %s.", shard, s.Name, e.cfg.AccountID)
			e.mon.throttledWrite(s, shard)
			continue
		}
		keys[j] = escapeKey(r.PartitionKey)
		msg := b.Msg(j)
		msg.Subject, msg.Data = shardSubject(s.Name, shard), r.Data
		msg.Header = nats.Header{HeaderPartitionKey: keys[j : j+1 : j+1], jetstream.ExpectedStreamHeader: expect[s.partOf(shard)]}
		if r.ExplicitHashKey != "" {
			msg.Header[HeaderExplicitHashKey] = []string{r.ExplicitHashKey}
		}
		if err := e.pub.Publish(ctx, b, j); err != nil {
			res[i].Err = e.orStorage(publishError(err))
		}
	}
	e.pub.Wait(ctx, b, failing, e.storageErr)
	var refused []int
	for j, i := range todo {
		seq, sent, err := b.Result(j)
		if res[i].Err != nil || !sent {
			continue
		}
		if err != nil {
			if errors.Is(err, jetstream.ErrNoStreamResponse) {
				refused = append(refused, i)
			}
			res[i].Err = e.orStorage(publishError(err))
			if errors.Is(res[i].Err, ErrThroughput) {
				e.mon.throttledWrite(s, res[i].ShardID)
			}
			continue
		}
		res[i].SequenceNumber = s.formatSeq(res[i].ShardID, gens[j], seq)
		e.mon.wrote(s, res[i].ShardID, 1, len(recs[i].Data)+len(recs[i].PartitionKey))
	}
	return refused, nil
}

// awaitClosed waits (at most rerouteWait, and not past ctx) until this
// host holds a definition of name newer than d in which every shard of
// the refused records is closed, and returns it. When no reshard is
// under way (the stream ACTIVE at d's generation after refuseWait),
// JetStream refused for another reason, such as restarting: it returns d
// itself, to publish again on the same shards as the publisher would. It
// returns nil if nothing came in time; a stream deleted meanwhile is not
// found.
func (e *Engine) awaitClosed(ctx context.Context, name string, d *definition, refused []int, res []PutResult) (*definition, error) {
	closed := func(nd *definition) bool {
		if nd.rev <= d.rev {
			return false
		}
		for _, i := range refused {
			if shardOpen(nd.s, res[i].ShardID) {
				return false
			}
		}
		return true
	}
	start := time.Now()
	deadline := time.NewTimer(rerouteWait)
	defer deadline.Stop()
	for tick := 0; ; tick++ {
		nd, ok := e.defs.lookup(name)
		if !ok || tick%10 == 9 {
			// The watcher is behind or not synced: ask the KV.
			var err error
			if nd, err = e.refresh(ctx, name); err != nil {
				if errors.Is(err, ErrNotFound) {
					return nil, err
				}
				return nil, nil
			}
		}
		if nd.s == nil || !usable(nd.s) {
			return nil, e.notFound(name)
		}
		if closed(nd) {
			return nd, nil
		}
		if nd.s.Status == StatusActive && nd.s.Generation == d.s.Generation && time.Since(start) >= refuseWait {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-deadline.C:
			return nil, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// closingShard fails the refused records whose shard a reshard is closing
// (the stream is UPDATING with the shard among the parents), and whose new
// shard this host did not see in time, with a throughput error producers
// retry; other refusals keep the error publish gave them.
func (e *Engine) closingShard(s *Stream, refused []int, res []PutResult) {
	if cur, ok := e.defs.lookup(s.Name); ok && cur.s != nil {
		s = cur.s
	}
	for _, i := range refused {
		if s.Pending != nil && slices.Contains(s.Pending.Close, res[i].ShardID) || !shardOpen(s, res[i].ShardID) {
			res[i].Err = errorf(ErrThroughput, "Shard %s in stream %s under account %s was closed by a reshard whose new shards this host has not seen yet; retry the record.", res[i].ShardID, s.Name, e.cfg.AccountID)
		}
	}
}

func shardOpen(s *Stream, id string) bool {
	sh, ok := s.Shard(id)
	return ok && sh.Open()
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
	gens   []uint64 // each shard's Gen (groups.go)
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
		rt.gens = append(rt.gens, sh.Gen)
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
	rt.gens[i], rt.gens[j] = rt.gens[j], rt.gens[i]
}

// route returns the open shard whose range holds key (its id and Gen):
// the last range starting at or below key (a binary search). Open ranges
// tile the whole key space, so it always holds key; the last range is
// the fallback.
func (rt *router) route(key HashKey) (string, uint64) {
	i := sort.Search(len(rt.ranges), func(i int) bool { return rt.ranges[i].Start.Cmp(key) > 0 }) - 1
	if i >= 0 && rt.ranges[i].Contains(key) {
		return rt.ids[i], rt.gens[i]
	}
	for i, r := range rt.ranges {
		if r.Contains(key) {
			return rt.ids[i], rt.gens[i]
		}
	}
	i = len(rt.ids) - 1
	return rt.ids[i], rt.gens[i]
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
