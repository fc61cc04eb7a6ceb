package delivery

import (
	"slices"
	"time"
)

// Bounds of what a delivery stream remembers of its recent writes, for
// Describe (the web console shows them): the last RecentObjectsKept objects
// written (their keys and sizes, not their bodies) and the last
// RecentErrorsKept error records, each with at most RecentErrorDataBytes of
// its data. A delivery stream thus holds at most about 64 KiB of them. They
// are this host's memory since it started the delivery stream; the error
// output itself is the record.
const (
	RecentObjectsKept    = 20
	RecentErrorsKept     = 50
	RecentErrorDataBytes = 1 << 10
)

// Kinds of RecentObject.
const (
	ObjectData   = "data"
	ObjectError  = "error"
	ObjectBackup = "backup"
)

// RecentObject is an object a delivery stream wrote.
type RecentObject struct {
	Key     string
	Kind    string // ObjectData, ObjectError or ObjectBackup
	Bytes   int
	Records int
	At      time.Time
}

// FailedRecord is a record written to the error output, with the fields of
// its error record. Data is cut at RecentErrorDataBytes (Truncated says
// so).
type FailedRecord struct {
	OutputType     string // the error output type (processing-failed...)
	ErrorCode      string
	ErrorMessage   string
	Attempts       int
	Arrival        time.Time
	SequenceNumber string
	ShardID        string
	Data           []byte
	Truncated      bool
	At             time.Time
}

// recentLog is a pipeline's bounded memory of its writes.
type recentLog struct {
	objects []RecentObject
	errors  []FailedRecord
}

func keepLast[T any](s []T, v T, n int) []T {
	if len(s) >= n {
		s = slices.Delete(s, 0, len(s)-n+1)
	}
	return append(s, v)
}

// noteObject remembers an object written.
func (p *pipeline) noteObject(key, kind string, bytes, records int) {
	now := p.m.cfg.Now().UTC()
	p.mu.Lock()
	p.recent.objects = keepLast(p.recent.objects, RecentObject{Key: key, Kind: kind, Bytes: bytes, Records: records, At: now}, RecentObjectsKept)
	p.mu.Unlock()
}

// noteErrors remembers the error records of a batch whose error output
// was written.
func (p *pipeline) noteErrors(errs []errorRecord) {
	if len(errs) == 0 {
		return
	}
	now := p.m.cfg.Now().UTC()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range errs[max(0, len(errs)-RecentErrorsKept):] {
		d, cut := e.RawData, false
		if len(d) > RecentErrorDataBytes {
			d, cut = d[:RecentErrorDataBytes], true
		}
		p.recent.errors = keepLast(p.recent.errors, FailedRecord{
			OutputType: e.kind, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage, Attempts: e.AttemptsMade,
			Arrival: e.arrival.UTC(), SequenceNumber: e.SequenceNumber, ShardID: e.ShardID,
			Data: slices.Clone(d), Truncated: cut, At: now,
		}, RecentErrorsKept)
	}
}
