package delivery

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/sluice-io/sluice/host/streams"
)

// A source data stream with shard groups keeps its shards in several
// JetStream streams, its parts, each counting its own sequence
// (streams.Stream.Parts). A delivery stream reads each part with a
// pipeline of its own, with its own position (store.go's posKey), intent
// and object names (naming.go's span.part): everything a pipeline does
// in one JetStream stream's order holds within each part. The Manager
// runs part 0's pipeline, the lead; the lead starts the others as it
// learns the parts, and they share its context, its drain request, its
// lease and its status (RATIONALE.md, "Shard groups").
//
// Per-key order across a reshard needs one more rule: a key's records
// move from a parent shard to a child, which may be in another part. So
// a part's pipeline delivers nothing of a shard until every record its
// ancestors in other parts hold is delivered (their parts' checkpoints
// are past each one's last record). Before it waits it delivers all it
// has read before, so it never holds back what another part waits for:
// a part waits only for ancestors, which end at barriers of older
// reshards, so the part waiting on the oldest reshard always goes on.

// errPartGone: the source data stream, made again, has no part of this
// pipeline's number; errRetired ends that pipeline once its records
// (gone with the stream that had the part) are accounted for.
var (
	errPartGone = errors.New("source stream has no such part")
	errRetired  = errors.New("part retired")
)

// partPoll is how often a part waiting for other parts to deliver its
// shard's ancestors looks at their positions.
const partPoll = 100 * time.Millisecond

// partOrder is what a pipeline's run goroutine knows of its source's
// shards, to keep each key's records in order across parts.
type partOrder struct {
	src    *streams.Stream // as last described
	shards map[string]streams.Shard
	// ready are the shards whose records may be delivered: their
	// ancestors in other parts are delivered.
	ready map[string]bool
}

// described takes a new description of the source.
func (o *partOrder) described(s *streams.Stream) {
	if o.src == nil || o.src.ID != s.ID {
		o.ready = map[string]bool{}
	}
	o.src = s
	o.shards = make(map[string]streams.Shard, len(s.Shards))
	for _, sh := range s.Shards {
		o.shards[sh.ID] = sh
	}
}

func (o *partOrder) grouped() bool { return o.src != nil && o.src.Grouped() }

// source is the JetStream stream this pipeline reads and the subjects it
// follows there: its records' first (the filter of a data stream's
// shards, or the direct-put subject), then, for a data stream, its part's
// reshard barriers (a barrier is a sequence that is no record, not a
// gap).
func (p *pipeline) source() (stream string, subjects []string) {
	if p.def.Source.Kind == SourceDataStream {
		return streams.PartSource(p.def.Source.Stream, p.part)
	}
	return directStream(p.def.Name), []string{directSubject(p.def.Name)}
}

// partNote names the part in messages about sequences, for a grouped
// source (as users know it: a shard group). The lead knows its source is
// grouped by its other parts' pipelines too, before (or without) a
// description of the source: one deleted under it, say.
func (p *pipeline) partNote() string {
	if p.part == 0 && !p.order.grouped() && len(p.all()) == 1 {
		return ""
	}
	return " of shard group " + strconv.Itoa(p.part)
}

// readAhead is this pipeline's share of the delivery stream's read-ahead
// (Config.ReadAheadBytes): the parts of a grouped source split it, each
// keeping at least MinReadAheadBytes.
func (p *pipeline) readAhead() int64 {
	n := int64(1)
	if p.order.grouped() {
		n = int64(p.order.src.Parts())
	}
	return max(MinReadAheadBytes, p.m.cfg.ReadAheadBytes/n)
}

// top is the lead pipeline of p's delivery stream.
func (p *pipeline) top() *pipeline {
	if p.lead != nil {
		return p.lead
	}
	return p
}

// all is the lead and the pipelines of its other parts still running.
func (p *pipeline) all() []*pipeline {
	running, _ := p.partsByState()
	return running
}

// partsByState is the lead and its other parts' pipelines still running,
// and those retired (whose figures still count).
func (p *pipeline) partsByState() (running, retired []*pipeline) {
	p.mu.Lock()
	defer p.mu.Unlock()
	running = []*pipeline{p}
	for _, q := range p.parts {
		q.mu.Lock()
		if q.retired {
			retired = append(retired, q)
		} else {
			running = append(running, q)
		}
		q.mu.Unlock()
	}
	return running, retired
}

// startParts makes sure the lead runs a pipeline for each part below n.
func (p *pipeline) startParts(n int) {
	for g := 1; g < n; g++ {
		p.startPart(g)
	}
}

// startKeptParts starts, on the lead's first run, a pipeline for each
// part the delivery stream holds a position in: parts of an earlier
// source stream of that name with more parts, whose records it accounts
// for (and then retires).
func (p *pipeline) startKeptParts(ctx context.Context) error {
	if p.lead != nil || p.def.Source.Kind != SourceDataStream || p.fenced {
		return nil
	}
	kept, err := p.m.store.partsKept(ctx, p.def.Name)
	if err != nil {
		return err
	}
	for _, g := range kept {
		p.startPart(g)
	}
	return nil
}

// startPart starts the pipeline of part g unless one runs.
func (p *pipeline) startPart(g int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, q := range p.parts {
		q.mu.Lock()
		running := q.part == g && !q.retired
		q.mu.Unlock()
		if running {
			return
		}
	}
	ctx, cancel := context.WithCancel(p.ctx)
	q := &pipeline{
		m: p.m, def: clone(p.def), ctx: ctx, cancel: cancel, done: make(chan struct{}), drainReq: p.drainReq,
		lead: p, part: g, log: p.log.With(slog.Int("part", g)),
	}
	q.stat.State = StatusActive
	p.parts = append(p.parts, q)
	go q.run()
}

// waitParts waits for the lead's other pipelines to end (they end with
// its context or its drain request).
func (p *pipeline) waitParts() {
	p.mu.Lock()
	ps := slices.Clone(p.parts)
	p.mu.Unlock()
	for _, q := range ps {
		<-q.done
	}
}

// retire marks a part's pipeline ended for good.
func (p *pipeline) retire() {
	p.mu.Lock()
	p.retired = true
	p.mu.Unlock()
}

// pruneVersions drops the kept definition versions no pending batch of
// any part needs (this pipeline's own position holds no intent when it
// is called).
func (p *pipeline) pruneVersions(ctx context.Context) {
	keep := p.def.Version
	if p.def.Source.Kind == SourceDataStream {
		kept, err := p.m.store.partsKept(ctx, p.def.Name)
		if err != nil {
			p.log.Warn("dropping old definition versions", "error", err)
			return
		}
		for _, g := range append(kept, 0) {
			if g == p.part {
				continue
			}
			pos, _, err := p.m.store.loadPartPos(ctx, p.def.Name, g)
			if err != nil {
				p.log.Warn("dropping old definition versions", "error", err)
				return
			}
			if pos.Intent != nil {
				keep = min(keep, pos.Intent.Version)
			}
		}
	}
	if err := p.m.store.pruneVersions(ctx, p.def.Name, keep); err != nil {
		p.log.Warn("dropping old definition versions", "error", err)
	}
}

// shard looks up a shard of the source, describing it again when the
// shard is new since (a reshard's child).
func (p *pipeline) shard(ctx context.Context, id string) (streams.Shard, bool, error) {
	if sh, ok := p.order.shards[id]; ok {
		return sh, true, nil
	}
	s, err := p.m.deps.Streams.DescribeStream(ctx, p.def.Source.Stream)
	if err != nil {
		return streams.Shard{}, false, err
	}
	if p.order.src == nil || s.ID != p.order.src.ID {
		return streams.Shard{}, false, nil // another stream now: sameSource finds out
	}
	p.order.described(s)
	sh, ok := p.order.shards[id]
	return sh, ok, nil
}

// number gives r its Kinesis sequence number, which in a grouped source
// names the shard's generation and part.
func (p *pipeline) number(ctx context.Context, r *record) error {
	if !p.order.grouped() || r.barrier {
		return nil
	}
	sh, ok, err := p.shard(ctx, r.shardID)
	if err != nil {
		return err
	}
	if ok {
		r.sequenceNumber = p.order.src.SequenceNumber(sh, r.seq)
	}
	return nil
}

// ancestorWait is a record an ancestor shard holds in another part, which
// must be delivered before the shard's own.
type ancestorWait struct {
	shard string
	part  int
	last  uint64
}

// awaitAncestors returns once the records of shard id's ancestors held in
// other parts are delivered. before delivers what the pipeline has read
// so far; it runs only when there is something to wait for.
func (p *pipeline) awaitAncestors(ctx context.Context, id string, before func() error) error {
	if !p.order.grouped() || p.order.ready[id] {
		return nil
	}
	waits, err := p.ancestorsElsewhere(ctx, id)
	if err != nil {
		return err
	}
	var t *time.Ticker
	for {
		done, err := p.delivered(ctx, waits)
		if err != nil {
			return err
		}
		if done {
			p.order.ready[id] = true
			return nil
		}
		if t == nil { // about to wait, for the first time
			if err := before(); err != nil {
				return err
			}
			p.log.Info("holding a shard's records until its parent shards' records in other parts are delivered", "shard", id, "waiting_for", waits[0].shard, "part", waits[0].part)
			t = time.NewTicker(partPoll)
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.drainReq:
			return errDrained // nothing of the shard is in a batch yet
		case <-t.C:
		}
	}
}

// ancestorsElsewhere lists shard id's ancestors (parents, their parents,
// as far as the source still knows them) that live in other parts and
// hold records.
func (p *pipeline) ancestorsElsewhere(ctx context.Context, id string) ([]ancestorWait, error) {
	sh, ok, err := p.shard(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	var out []ancestorWait
	seen := map[string]bool{}
	todo := []string{sh.ParentShardID, sh.AdjacentParentShardID}
	for len(todo) > 0 {
		a := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		anc, ok := p.order.shards[a]
		if !ok {
			continue // aged out of the stream's shard list, and of its records
		}
		todo = append(todo, anc.ParentShardID, anc.AdjacentParentShardID)
		g := p.order.src.PartOf(a)
		if g == p.part {
			continue // read before, in this part's order
		}
		last, held, err := p.m.deps.Streams.LastInShard(ctx, p.order.src, a)
		if err != nil {
			return nil, err
		}
		if held {
			out = append(out, ancestorWait{shard: a, part: g, last: last})
		}
	}
	slices.SortFunc(out, func(x, y ancestorWait) int { return cmp.Compare(x.part, y.part) })
	return out, nil
}

// delivered reports whether each part's checkpoint is past its waits'
// records. A part whose position is in another source stream (deleted
// and made again) holds nothing to wait for: sameSource ends this run.
func (p *pipeline) delivered(ctx context.Context, waits []ancestorWait) (bool, error) {
	for _, w := range waits {
		pos, _, err := p.m.store.loadPartPos(ctx, p.def.Name, w.part)
		if err != nil {
			return false, err
		}
		if pos.SourceID != 0 && pos.SourceID != p.order.src.ID {
			continue
		}
		if pos.Checkpoint < w.last {
			return false, nil
		}
	}
	return true, nil
}

// stateRank orders the running states from best to worst.
func stateRank(s string) int {
	switch s {
	case StatusFailed:
		return 2
	case StatusRetrying:
		return 1
	}
	return 0
}

// worstState is the state of the delivery stream whose lead is p: its
// worst part's.
func (p *pipeline) worstState() string {
	state := StatusActive
	for _, q := range p.all() {
		q.mu.Lock()
		if stateRank(q.stat.State) > stateRank(state) {
			state = q.stat.State
		}
		q.mu.Unlock()
	}
	return state
}

// mergePart adds one other running part's figures and state to the
// lead's status s.
func mergePart(s, q *Status) {
	addCounts(s, q)
	if stateRank(q.State) > stateRank(s.State) {
		s.State = q.State
	}
	if q.LastErrorAt.After(s.LastErrorAt) {
		s.LastError, s.LastErrorAt = q.LastError, q.LastErrorAt
	}
	if q.Failing() && (s.FailingSince.IsZero() || q.FailingSince.Before(s.FailingSince)) {
		s.FailingSince = q.FailingSince
	}
	s.OldestUndeliveredAge = max(s.OldestUndeliveredAge, q.OldestUndeliveredAge)
	s.RecentObjects = append(s.RecentObjects, q.RecentObjects...)
	s.RecentErrors = append(s.RecentErrors, q.RecentErrors...)
}

// addCounts adds one part's counters to s: a retired part's too, as what
// it did (its loss accounted for, first of all) still happened.
func addCounts(s, q *Status) {
	s.IncomingRecords += q.IncomingRecords
	s.IncomingBytes += q.IncomingBytes
	s.DeliveredRecords += q.DeliveredRecords
	s.DeliveredObjects += q.DeliveredObjects
	s.DroppedRecords += q.DroppedRecords
	s.ErrorRecords += q.ErrorRecords
	s.DeaggregatedRecords += q.DeaggregatedRecords
	s.LostRecords += q.LostRecords
}

// trimRecent keeps the newest recent objects and errors of a merged
// status, oldest first, within the bounds one pipeline keeps.
func trimRecent(s *Status) {
	slices.SortStableFunc(s.RecentObjects, func(a, b RecentObject) int { return a.At.Compare(b.At) })
	slices.SortStableFunc(s.RecentErrors, func(a, b FailedRecord) int { return a.At.Compare(b.At) })
	if n := len(s.RecentObjects) - RecentObjectsKept; n > 0 {
		s.RecentObjects = s.RecentObjects[n:]
	}
	if n := len(s.RecentErrors) - RecentErrorsKept; n > 0 {
		s.RecentErrors = s.RecentErrors[n:]
	}
}
