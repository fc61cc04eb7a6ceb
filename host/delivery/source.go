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
	stream, _ := sourceOf(&p.def)
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

// checkSource runs before a pipeline reads: it makes sure the checkpoint
// is a position in the source as it is now. A data stream created again
// under the same name (a new identity, sequences starting again) makes the
// old checkpoint void: whatever of the old stream was not delivered is
// gone, which is logged, counted and recorded in the error output; reading
// starts at the new stream's starting position. A direct-put stream whose
// sequences went backwards (recreated behind Sluice's back) is handled the
// same way. It returns the position to read from.
func (p *pipeline) checkSource(ctx context.Context, st *stages, pos position) (position, error) {
	si, err := p.sourceInfo(ctx)
	if err != nil {
		return pos, err
	}
	switch {
	case p.def.Source.Kind == SourceDataStream && pos.SourceID == 0 && pos.Checkpoint <= si.last:
		// First run, or a position from before identities were kept: it is
		// this stream's.
		pos.SourceID = si.id
		return pos, p.m.store.putPos(ctx, p.def.Name, pos)
	case p.def.Source.Kind == SourceDataStream && pos.SourceID == si.id:
		return pos, nil
	case p.def.Source.Kind == SourceDirectPut && pos.Checkpoint <= si.last:
		return pos, nil
	}
	// The source is another stream than the checkpoint's.
	lost := fmt.Sprintf("records after sequence %d of the previous stream were not delivered before it was deleted; how many is not known", pos.Checkpoint)
	if pos.Checkpoint == 0 && pos.Intent == nil {
		lost = ""
	}
	p.log.Warn("source stream was deleted and created again; reading the new one from its start",
		"source", p.def.Source.Stream, "old_checkpoint", pos.Checkpoint, "new_stream_created", si.created)
	if lost != "" {
		// Named by the new stream's creation time, so recording it again
		// after a crash overwrites the same object.
		g := gap{first: pos.Checkpoint + 1, last: pos.Checkpoint + 1, at: si.created,
			code: codeStreamRecreated, reason: lostDeleted, msg: lost, unknown: true}
		if err := p.recordGap(ctx, st, g); err != nil {
			return pos, err
		}
	}
	next := position{SourceID: si.id}
	if p.def.Source.StartingPosition == streams.Latest && si.created.Before(p.def.CreatedAt) {
		// The stream existed before the delivery stream: LATEST means what
		// arrives from now on. (A stream created after the delivery stream
		// holds nothing older than it: all of it is read.)
		next.Checkpoint = si.last
	}
	if err := p.m.store.putPos(ctx, p.def.Name, next); err != nil {
		return pos, err
	}
	return next, nil
}

// Source gap error codes and the reasons of the lost-records metric.
const (
	codeRecordsExpired  = "Source.RecordsExpired"
	codeStreamRecreated = "Source.StreamRecreated"
	lostExpired         = "expired"
	lostDeleted         = "deleted"
)

// gap is a run of source sequences whose records are gone: the data cannot
// be delivered, so the loss is recorded in the error output instead.
type gap struct {
	first, last uint64
	code        string // codeRecordsExpired...
	reason      string // lostExpired...
	msg         string
	unknown     bool      // how many records is not known
	at          time.Time // when it was found: the error record's arrival time
}

func (g gap) count() uint64 {
	if g.unknown {
		return 0
	}
	return g.last - g.first + 1
}

// expiredGap is the gap of records [first, last] found gone from the
// source (aged out of its retention, or removed behind Sluice's back).
func (p *pipeline) expiredGap(first, last uint64, at time.Time) gap {
	what := "data stream " + p.def.Source.Stream
	if p.def.Source.Kind == SourceDirectPut {
		what = "the delivery stream's direct-put store"
	}
	n := last - first + 1
	return gap{first: first, last: last, at: at, code: codeRecordsExpired, reason: lostExpired,
		msg: fmt.Sprintf("%d records (sequences %d to %d) aged out of %s before they could be delivered", n, first, last, what)}
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
func (p *pipeline) recordGap(ctx context.Context, st *stages, g gap) error {
	o := &output{names: st.names, span: span{first: g.first, last: g.last, oldest: g.at}}
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
	stream, filter := sourceOf(&p.def)
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
