package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// States of a running delivery stream, beside the lifecycle states
// StatusCreating and StatusDeleting (store.go). What Describe, the CLI,
// /readyz and the sluice_delivery_state metric report.
const (
	// StatusActive: delivering, or caught up with nothing to deliver.
	//
	// StatusRetrying: the last attempt failed with an error that may clear
	// by itself (a destination down, JetStream busy); the records wait in
	// the source and the attempt is repeated with backoff (store and
	// forward).
	StatusRetrying = "RETRYING"
	// StatusFailed: the delivery stream cannot go on until something is
	// changed (its module is missing, its error output cannot be written,
	// its source stream is gone). Nothing is skipped: it checks again
	// every Config.BackoffMax, and at once when it is applied again.
	StatusFailed = "FAILED"
	// StatusUnassigned: ACTIVE, but no host runs it now (its host went
	// away and no other has taken it yet, or this host cannot reach the
	// lease bucket). Records wait in the source.
	StatusUnassigned = "UNASSIGNED"
)

// Status is what Describe reports about a delivery stream.
type Status struct {
	// State is StatusCreating, StatusActive, StatusRetrying, StatusFailed
	// or StatusDeleting.
	State string
	// Counters since this host started the delivery stream.
	IncomingRecords  int64
	IncomingBytes    int64
	DeliveredRecords int64
	DeliveredObjects int64
	DroppedRecords   int64
	ErrorRecords     int64
	// DeaggregatedRecords counts what the delivered source records came to
	// after KPL de-aggregation and the record processors (the source
	// records themselves when none is aggregated or split): each of them
	// is delivered, dropped or in the error output.
	DeaggregatedRecords int64
	// LostRecords counts source records found gone before they could be
	// delivered (aged out of retention, their stream deleted); each is
	// also recorded in the error output as a source-gap.
	LostRecords int64
	// Checkpoint is the last source sequence delivered durably. A source
	// with shard groups has one in each part (each counts its own
	// sequence): Checkpoint is part 0's, and PartCheckpoints has them all,
	// part 0's first.
	Checkpoint      uint64
	PartCheckpoints []uint64 `json:",omitempty"`
	// LastError is the most recent failure (destination down, module not
	// found...) and when it happened. It stays after delivery recovers, as
	// history; State says whether it still holds.
	LastError   string
	LastErrorAt time.Time
	// FailingSince is when the current RETRYING or FAILED spell began;
	// zero while ACTIVE.
	FailingSince time.Time
	// OldestUndeliveredAge is the age of the oldest source record not yet
	// delivered (Firehose's DataFreshness), whether or not a batch is in
	// flight; 0 when caught up.
	OldestUndeliveredAge time.Duration
	// Host is the host (Config.HostID) that runs the delivery stream and
	// reports these figures; empty when none does.
	Host string
	// ReportedAt is when Host last reported them, for a delivery stream
	// another host runs (it reports every Config.LeaseRenew); zero when
	// this host runs it.
	ReportedAt time.Time
	// RecentObjects are the last objects this host wrote for the delivery
	// stream, oldest first, and RecentErrors the last records it wrote to
	// the error output (see RecentObjectsKept); empty for a delivery
	// stream another host runs.
	RecentObjects []RecentObject `json:"-"`
	RecentErrors  []FailedRecord `json:"-"`
}

// CheckpointText is the checkpoint as people read it: one number, or, for
// a source with shard groups, each group's ("313 (group 0), 6 (group 1)").
func (s Status) CheckpointText() string {
	if len(s.PartCheckpoints) == 0 {
		return strconv.FormatUint(s.Checkpoint, 10)
	}
	groups := make([]string, len(s.PartCheckpoints))
	for g, cp := range s.PartCheckpoints {
		groups[g] = fmt.Sprintf("%d (group %d)", cp, g)
	}
	return strings.Join(groups, ", ")
}

// Failing reports whether the state is one of delivery failing.
func (s Status) Failing() bool { return s.State == StatusRetrying || s.State == StatusFailed }

// failure is an error that says whether it needs a change to clear
// (StatusFailed) or may clear by itself (StatusRetrying).
type failure struct {
	err       error
	permanent bool
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// permanent marks err as one that needs a change to clear.
func permanent(err error) error {
	if err == nil {
		return nil
	}
	return &failure{err: err, permanent: true}
}

// isPermanent reports whether err was marked by permanent.
func isPermanent(err error) bool {
	var f *failure
	return errors.As(err, &f) && f.permanent
}

// failed records a failure for Describe, the metrics and the log.
func (p *pipeline) failed(err error) {
	if err == nil {
		return
	}
	state := StatusRetrying
	if isPermanent(err) {
		state = StatusFailed
	}
	now := p.m.cfg.Now().UTC()
	top := p.top()
	// Under the lead's state lock: whoever sees the new state in the
	// status sees it in the metric too, which is the worst part's.
	top.stateMu.Lock()
	p.mu.Lock()
	p.stat.LastError, p.stat.LastErrorAt = err.Error(), now
	if p.stat.FailingSince.IsZero() {
		p.stat.FailingSince = now
	}
	changed := p.stat.State != state
	p.stat.State = state
	p.mu.Unlock()
	if changed {
		p.m.met.setState(p.def.Name, top.worstState())
	}
	top.stateMu.Unlock()
	if state == StatusFailed {
		p.log.Error("delivery failed; it waits for a change and checks again", "error", err, "retry_in", p.m.cfg.BackoffMax)
	} else {
		p.log.Warn("delivery failing; retrying", "error", err)
	}
	p.m.met.lastError.WithLabelValues(p.def.Name).Set(float64(now.UnixMilli()) / 1000)
}

// recovered records that a batch went through: the state is ACTIVE again.
func (p *pipeline) recovered() {
	top := p.top()
	top.stateMu.Lock() // as in failed
	p.mu.Lock()
	changed := p.stat.State != StatusActive
	p.stat.State = StatusActive
	p.stat.FailingSince = time.Time{}
	p.mu.Unlock()
	if changed {
		p.m.met.setState(p.def.Name, top.worstState())
	}
	top.stateMu.Unlock()
	if changed {
		p.log.Info("delivery going again")
	}
}

// remoteStatus fills s for a delivery stream this host does not run from
// the report its host keeps in the lease; StatusUnassigned when no host
// runs an ACTIVE one. s.State is the lifecycle state, which wins while
// creating or deleting.
func (m *Manager) remoteStatus(ctx context.Context, name string, s *Status) error {
	h, _, err := m.leases.get(ctx, name)
	if err != nil {
		return err
	}
	lifecycle := s.State
	switch {
	case h == nil:
		if lifecycle == StatusActive {
			s.State = StatusUnassigned
		}
		return nil
	case h.Status != nil:
		*s = *h.Status
		if lifecycle == StatusCreating || lifecycle == StatusDeleting {
			s.State = lifecycle
		}
	}
	s.Host, s.ReportedAt = h.Host, h.At
	return nil
}

// status fills s from the pipeline's figures, and those of its other
// parts' pipelines (parts.go); s.State is the lifecycle state, which wins
// over the pipeline's while creating or deleting.
func (p *pipeline) status(s *Status) {
	lifecycle := s.State
	ps, retired := p.partsByState()
	p.partStatus(s)
	for _, q := range retired {
		var qs Status
		q.partStatus(&qs)
		addCounts(s, &qs)
	}
	if len(ps) > 1 {
		cps := make([]uint64, 0, len(ps))
		cps = append(cps, s.Checkpoint)
		for _, q := range ps[1:] {
			var qs Status
			q.partStatus(&qs)
			mergePart(s, &qs)
			for len(cps) <= q.part {
				cps = append(cps, 0)
			}
			cps[q.part] = qs.Checkpoint
		}
		s.PartCheckpoints = cps
		trimRecent(s)
	}
	if lifecycle == StatusCreating || lifecycle == StatusDeleting {
		s.State = lifecycle
	}
}

// partStatus fills s from this pipeline's own figures.
func (p *pipeline) partStatus(s *Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*s = p.stat
	s.RecentObjects = slices.Clone(p.recent.objects)
	s.RecentErrors = slices.Clone(p.recent.errors)
	if !p.oldest.IsZero() {
		s.OldestUndeliveredAge = max(0, p.m.cfg.Now().Sub(p.oldest))
	}
}
