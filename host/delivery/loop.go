package delivery

import (
	"context"
	"errors"
	"time"
)

// batch is what one delivery covers: the records read and the gaps found
// between them, a contiguous range [first, last] of source sequences.
type batch struct {
	// recs are the records read, a KPL aggregate's as its user records
	// (what a backup holds); items are what the record processors made
	// of them (what the transform gets), and failed and dropped the
	// records they could not handle or dropped (expand.go).
	recs    []record
	items   []record
	failed  []failedRecord
	dropped int
	gaps    []gap
	// taken counts the source records in the batch; size is the bytes it
	// holds (their data, and what de-aggregation and the processors made
	// of it); oldest is the arrival of its oldest record.
	taken       int
	size        int
	oldest      time.Time
	first, last uint64
	// sourceID and sourceGen are the source stream's identity and
	// generation (see position).
	sourceID  uint64
	sourceGen int
}

func (b *batch) empty() bool { return b.taken == 0 && len(b.gaps) == 0 }

// begin counts source record r into the batch; expand then adds what it
// makes of r.
func (b *batch) begin(r *record) {
	if b.empty() {
		b.first = r.seq
	}
	if b.taken == 0 || r.arrival.Before(b.oldest) {
		b.oldest = r.arrival
	}
	b.taken++
	b.last = r.seq
}

func (b *batch) addGap(g gap) {
	if b.empty() {
		b.first = g.first
	}
	b.gaps = append(b.gaps, g)
	b.last = g.last
}

// namingTime is the time a batch's error and backup objects are named by:
// the arrival of its oldest record, or now for a batch of gaps only.
func (b *batch) namingTime(now time.Time) time.Time {
	if b.taken == 0 {
		return now.UTC()
	}
	return b.oldest.UTC()
}

// loop builds batches and delivers them: a pending intent first (exactly
// its range, under the definition and module that made it), then by the
// buffering hints. Every source sequence from the checkpoint on lands in
// exactly one batch, as a record or, when its record is gone from the
// source, in a gap that goes to the error output. It returns when ctx
// ends, a drain is asked for between batches, or a delivery fails.
//
// A batch is processed (transformed and encoded) while the one before it
// is written; its own intent is written, and its objects, only once that
// one is acknowledged. So at most two batches are in memory (one being
// written, one being built and processed), there is one intent at a time,
// and nothing of a batch is written before its intent.
func (p *pipeline) loop(ctx context.Context, cur *stages, pos position, q *readQueue, readErr <-chan error) (err error) {
	limit := p.def.Buffering.SizeMiB * mib
	interval := time.Duration(*p.def.Buffering.IntervalSeconds) * time.Second
	next := pos.Checkpoint + 1
	b := &batch{sourceID: pos.SourceID, sourceGen: pos.SourceGen}
	var (
		timer  *time.Timer
		timerC <-chan time.Time
	)
	stopTimer := func() {
		if timer != nil {
			timer.Stop()
			timer, timerC = nil, nil
		}
	}
	defer stopTimer()
	replay := pos.Intent
	rst := cur // the stages of the batch being replayed
	if replay != nil {
		var err error
		if rst, err = p.replayStages(ctx, cur, replay); err != nil {
			return err
		}
	}
	defer func() {
		if rst != cur {
			rst.close()
		}
	}()
	// commitC is the answer of the batch being written, nil when none.
	var commitC <-chan error
	settle := func() error {
		if commitC == nil {
			return nil
		}
		err := <-commitC
		commitC = nil
		return err
	}
	// However the loop ends, the batch being written ends first (its
	// stages stay open until then); its failure is the loop's, unless the
	// loop failed itself.
	defer func() {
		if e := settle(); e != nil && (err == nil || errors.Is(err, errDrained)) {
			err = e
		}
	}()

	flush := func() error {
		stopTimer()
		if b.empty() {
			return nil
		}
		st, replaying := cur, replay != nil
		in := intent{First: b.first, Last: b.last, Version: cur.def.Version, Module: cur.moduleRef, At: b.namingTime(p.m.cfg.Now())}
		if replaying {
			st, in = rst, *replay
			if in.At.IsZero() { // an intent written before intents kept their time
				in.At = b.namingTime(p.m.cfg.Now())
			}
		}
		// The reader follows a JetStream stream of the source's name, even
		// one deleted and made again: only records read while the source
		// still had the checkpoint's identity may be delivered. The batch
		// is not delivered otherwise; checkSource accounts for the loss.
		if err := p.sameSource(ctx, pos.SourceID); err != nil {
			return err
		}
		out, err := st.process(ctx, b, in) // while the batch before is written
		if err != nil {
			return err
		}
		if err := settle(); err != nil {
			return err
		}
		if replaying {
			if err := p.commit(ctx, st, b, in, true, out); err != nil {
				return err
			}
		} else {
			c := make(chan error, 1)
			go func(b *batch) { c <- p.commit(ctx, st, b, in, false, out) }(b)
			commitC = c
		}
		b = &batch{sourceID: pos.SourceID, sourceGen: pos.SourceGen}
		if replaying {
			replay = nil
			if rst != cur {
				rst.close()
				rst = cur
			}
		}
		return nil
	}
	// gapTo puts the sequences from next to `to`, whose records are gone,
	// in the batch; the batch being replayed ends at its intent's end.
	gapTo := func(to uint64, at time.Time) error {
		for next <= to {
			end := to
			if replay != nil && end > replay.Last {
				end = replay.Last
			}
			b.addGap(p.expiredGap(next, end, at))
			next = end + 1
			if replay != nil && next > replay.Last {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// take puts a record read from the source (and the gap before it, if
	// the records between are gone) in the batch.
	take := func(r record) error {
		q.taken(&r)
		if r.seq < next {
			return nil // accounted for already (in a gap found meanwhile)
		}
		if r.seq > next {
			if err := gapTo(r.seq-1, r.arrival); err != nil {
				return err
			}
		}
		next = r.seq + 1
		if r.barrier {
			return nil // no record: only not a gap
		}
		if err := p.number(ctx, &r); err != nil {
			return err
		}
		if replay == nil {
			// A grouped source's shard waits for its ancestors in other
			// parts (parts.go); what this part read before goes first.
			// (A batch to replay was made after that wait.)
			if err := p.awaitAncestors(ctx, r.shardID, func() error {
				if err := flush(); err != nil {
					return err
				}
				return settle()
			}); err != nil {
				return err
			}
		}
		st := cur
		if replay != nil {
			st = rst // the records of the batch to replay are made again as they were
		}
		st.expand(b, r)
		if replay != nil {
			if r.seq == replay.Last {
				return flush()
			}
			return nil
		}
		if timer == nil && interval > 0 {
			timer = time.NewTimer(interval)
			timerC = timer.C
		}
		if b.size >= limit {
			return flush()
		}
		return nil
	}

	check := time.NewTicker(sourceCheckEvery)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.drainReq:
			return errDrained // the batch being built has no intent: it is read again
		case err := <-readErr:
			return err
		case err := <-commitC:
			commitC = nil
			if err != nil {
				return err
			}
		case <-timerC:
			if err := flush(); err != nil {
				return err
			}
		case <-check.C:
			si, err := p.sourceInfo(ctx)
			if err != nil {
				return err
			}
			if (p.def.Source.Kind == SourceDataStream && si.id != pos.SourceID) || si.last+1 < next {
				return errSourceChanged // deleted and created again
			}
			if si.first > si.last && si.last >= next {
				// The source holds nothing any more, not even what was not
				// read yet: those records aged out. (While records remain,
				// the reader finds any gap before them.)
				if err := gapTo(si.last, p.m.cfg.Now()); err != nil {
					return err
				}
				if replay == nil && b.taken == 0 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		case r := <-q.c:
			if err := take(r); err != nil {
				return err
			}
			if interval > 0 || replay != nil {
				continue
			}
			// A zero interval: deliver what is there now, up to the size.
		drain:
			for !b.empty() {
				select {
				case r := <-q.c:
					if err := take(r); err != nil {
						return err
					}
				default:
					break drain
				}
			}
			if err := flush(); err != nil {
				return err
			}
		}
	}
}
