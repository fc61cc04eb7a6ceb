package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/streams"
)

// sourceCheckEvery is how often a running pipeline looks at its source's
// state for records that went before it read them (aged out) and for a
// stream deleted or created again.
const sourceCheckEvery = 2 * time.Second

// errSourceGone: the source data stream does not exist (it was deleted).
var errSourceGone = errors.New("source stream does not exist")

// errSourceChanged: the source is not the stream the checkpoint is a
// position in any more (deleted and created again); the run starts over
// and checkSource sorts it out.
var errSourceChanged = errors.New("source stream changed")

// sourceInfo is what a pipeline sees of its source now.
type sourceInfo struct {
	// id and created identify a data stream (0 and zero for direct put).
	id      uint64
	created time.Time
	// first and last are the JetStream sequences of the oldest and newest
	// records held; first > last when the stream holds none.
	first, last uint64
}

// sourceInfo reads the source's identity and state.
func (p *pipeline) sourceInfo(ctx context.Context) (sourceInfo, error) {
	var si sourceInfo
	stream, _ := p.source()
	if p.def.Source.Kind == SourceDataStream {
		if p.m.deps.Streams == nil {
			return si, permanent(errors.New("this server has no data streams"))
		}
		s, err := p.m.deps.Streams.DescribeStream(ctx, p.def.Source.Stream)
		if errors.Is(err, streams.ErrNotFound) || (err == nil && s.Status == streams.StatusDeleting) {
			return si, permanent(fmt.Errorf("%w: data stream %s (deleted?); waiting for it to be created again", errSourceGone, p.def.Source.Stream))
		}
		if err != nil {
			return si, fmt.Errorf("source stream %s: %w", p.def.Source.Stream, err)
		}
		if p.part >= s.Parts() {
			// Made again with fewer parts: this part's records went with
			// the stream that had it.
			return si, fmt.Errorf("%w: data stream %s has %d shard groups now, not group %d", errPartGone, s.Name, s.Parts(), p.part)
		}
		p.order.described(s)
		if p.lead == nil {
			p.startParts(s.Parts())
		}
		si.id, si.created = s.ID, s.Created
	}
	js, err := p.m.js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) && p.def.Source.Kind == SourceDataStream {
		return si, permanent(fmt.Errorf("%w: data stream %s has no records stream", errSourceGone, p.def.Source.Stream))
	}
	if err != nil {
		return si, fmt.Errorf("source %s: %w", stream, err)
	}
	st := js.CachedInfo().State
	si.first, si.last = st.FirstSeq, st.LastSeq
	return si, nil
}

// sameSource fails with errSourceChanged unless the source data stream
// still has identity id (also when it is not there at all: the next run's
// checkSource then finds out which).
func (p *pipeline) sameSource(ctx context.Context, id uint64) error {
	if p.def.Source.Kind != SourceDataStream {
		return nil
	}
	s, err := p.m.deps.Streams.DescribeStream(ctx, p.def.Source.Stream)
	if errors.Is(err, streams.ErrNotFound) || (err == nil && s.Status == streams.StatusDeleting) {
		return errSourceChanged
	}
	if err != nil {
		return fmt.Errorf("source stream %s: %w", p.def.Source.Stream, err)
	}
	if s.ID != id {
		return errSourceChanged
	}
	return nil
}

// checkSource runs before a pipeline reads: it makes sure the checkpoint
// is a position in the source as it is now. When the source data stream
// was deleted (and maybe created again under the same name: a new
// identity, sequences starting again), whatever it held past the
// checkpoint is gone: that is logged, counted and recorded in the error
// output (exactly, from the stream's tombstone, when it has one), and the
// position starts again at the beginning, with no identity, for whichever
// stream of that name comes next. A direct-put stream whose sequences went
// backwards (recreated behind Sluice's back) is handled the same way. It
// returns the position to read from.
func (p *pipeline) checkSource(ctx context.Context, st *stages, pos position) (position, error) {
	si, err := p.sourceInfo(ctx)
	if errors.Is(err, errSourceGone) || errors.Is(err, errPartGone) {
		if nerr := p.noteDeleted(ctx, st, &pos, time.Time{}); nerr != nil {
			return pos, nerr
		}
		if errors.Is(err, errPartGone) {
			if err := p.m.store.dropPos(ctx, p.def.Name, p.part); err != nil {
				return pos, err
			}
			return pos, errRetired
		}
		return pos, err
	}
	if err != nil {
		return pos, err
	}
	switch {
	case p.def.Source.Kind == SourceDataStream && pos.SourceID == 0 && pos.Checkpoint <= si.last:
		// First run, after a deletion was accounted for, or a position from
		// before identities were kept: it is this stream's.
		pos.SourceID = si.id
		return pos, p.savePos(ctx, pos)
	case p.def.Source.Kind == SourceDataStream && pos.SourceID == si.id:
		return pos, nil
	case p.def.Source.Kind == SourceDirectPut && pos.Checkpoint <= si.last:
		return pos, nil
	}
	// The source is another stream than the checkpoint's.
	p.log.Warn("source stream was deleted and created again; reading the new one from its start",
		"source", p.def.Source.Stream, "old_checkpoint", pos.Checkpoint, "new_stream_created", si.created)
	if err := p.noteDeleted(ctx, st, &pos, si.created); err != nil {
		return pos, err
	}
	pos.SourceID = si.id
	if err := p.savePos(ctx, pos); err != nil {
		return pos, err
	}
	return pos, nil
}

// noteDeleted accounts for the records the deleted source held past the
// checkpoint and resets pos (durably) to the start, with no identity.
// found is when the loss was noticed, if known (it names the error object
// when the stream left no tombstone).
func (p *pipeline) noteDeleted(ctx context.Context, st *stages, pos *position, found time.Time) error {
	if pos.Checkpoint == 0 && pos.Intent == nil {
		if pos.SourceID == 0 {
			return nil // nothing was read of it: nothing to account for
		}
	}
	var g *gap
	var tomb *streams.Tombstone
	if p.def.Source.Kind == SourceDataStream && pos.SourceID != 0 {
		t, err := p.m.deps.Streams.Deleted(ctx, p.def.Source.Stream)
		if err != nil && !errors.Is(err, streams.ErrNotFound) {
			return err
		}
		if t != nil && t.ID == pos.SourceID {
			tomb = t
		}
	}
	var tombFirst, tombLast uint64
	if tomb != nil {
		var known bool
		if tombFirst, tombLast, known = tomb.Part(p.part); !known {
			tomb = nil
		}
	}
	switch {
	case tomb != nil && tombLast > pos.Checkpoint:
		first := max(pos.Checkpoint+1, tombFirst)
		n := uint64(0)
		if first <= tombLast {
			n = tombLast - first + 1
		}
		lost := gap{first: pos.Checkpoint + 1, last: tombLast, records: n, at: tomb.DeletedAt, code: codeStreamDeleted, reason: lostDeleted}
		lost.msg = fmt.Sprintf("%d records (up to sequence %d%s) of data stream %s were deleted with it at %s before they could be delivered",
			n, tombLast, p.partNote(), p.def.Source.Stream, tomb.DeletedAt.Format(time.RFC3339))
		g = &lost
	case tomb == nil && (pos.Checkpoint > 0 || pos.Intent != nil):
		if found.IsZero() {
			found = p.m.cfg.Now().UTC()
		}
		g = &gap{first: pos.Checkpoint + 1, last: pos.Checkpoint + 1, at: found, code: codeStreamDeleted, reason: lostDeleted, unknown: true,
			msg: fmt.Sprintf("records after sequence %d%s of the source were not delivered before it was deleted; how many is not known", pos.Checkpoint, p.partNote())}
	}
	if g != nil {
		// Only while the position is still this pipeline's: a host that
		// lost the delivery stream writes no error object.
		if err := p.savePos(ctx, *pos); err != nil {
			return err
		}
		if err := p.recordGap(ctx, st, *g, pos.SourceGen); err != nil {
			return err
		}
	}
	// The next stream's sequences start again: its objects get the next
	// generation in their names, so they cannot overwrite this one's.
	*pos = position{SourceGen: pos.SourceGen + 1}
	p.setCheckpoint(0)
	return p.savePos(ctx, *pos)
}

// Source gap error codes and the reasons of the lost-records metric.
const (
	codeRecordsExpired = "Source.RecordsExpired"
	codeStreamDeleted  = "Source.StreamDeleted"
	lostExpired        = "expired"
	lostDeleted        = "deleted"
)

// gap is a run of source sequences whose records are gone: the data cannot
// be delivered, so the loss is recorded in the error output instead.
type gap struct {
	first, last uint64
	code        string // codeRecordsExpired...
	reason      string // lostExpired...
	msg         string
	records     uint64    // how many records are gone
	unknown     bool      // how many records is not known
	at          time.Time // when it was found: the error record's arrival time
}

func (g gap) count() uint64 {
	if g.unknown {
		return 0
	}
	return g.records
}

// expiredGap is the gap of records [first, last] found gone from the
// source (aged out of its retention, or removed behind Sluice's back).
func (p *pipeline) expiredGap(first, last uint64, at time.Time) gap {
	what := "data stream " + p.def.Source.Stream
	if p.def.Source.Kind == SourceDirectPut {
		what = "the delivery stream's direct-put store"
	}
	n := last - first + 1
	return gap{first: first, last: last, records: n, at: at, code: codeRecordsExpired, reason: lostExpired,
		msg: fmt.Sprintf("%d records (sequences %d to %d%s) aged out of %s before they could be delivered", n, first, last, p.partNote(), what)}
}

// noteGaps logs and counts the gaps of a delivered batch.
func (p *pipeline) noteGaps(gaps []gap) {
	for _, g := range gaps {
		p.log.Warn("source records lost before delivery", "first", g.first, "last", g.last, "records", g.count(), "why", g.msg)
		p.m.met.lostRecords.WithLabelValues(p.def.Name, g.reason).Add(float64(g.count()))
		p.mu.Lock()
		p.stat.LostRecords += int64(g.count())
		p.mu.Unlock()
	}
}

// recordGap writes one gap to the error output on its own (no batch holds
// it) and waits until it is durable. Its object is named by the gap's range
// and time, so doing it again overwrites it.
func (p *pipeline) recordGap(ctx context.Context, st *stages, g gap, gen int) error {
	o := &output{names: st.names, span: span{first: g.first, last: g.last, oldest: g.at, gen: gen, part: p.part}}
	o.errors = append(o.errors, st.gapError(g))
	if err := st.write(ctx, o); err != nil {
		return err
	}
	p.noteGaps([]gap{g})
	return nil
}

// oldestUndelivered is the arrival time of the first source record after
// the checkpoint, or zero when there is none (caught up).
func (p *pipeline) oldestUndelivered(ctx context.Context, checkpoint uint64) (time.Time, error) {
	stream, subjects := p.source()
	filter := subjects[0] // records, not barriers
	s, err := p.m.js.Stream(ctx, stream)
	if err != nil {
		return time.Time{}, err
	}
	msg, err := s.GetMsg(ctx, checkpoint+1, jetstream.WithGetMsgSubject(filter))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return msg.Time, nil
}
