package transform

import "errors"

// RecordFunc transforms one record. A returned error marks the record
// ProcessingFailed with the error's text, and the result is then ignored.
type RecordFunc func(r Record) (Result, error)

// BatchFunc transforms a whole batch: results[i] answers b.Records[i], so it
// must return exactly one result per record. A returned error fails the
// whole batch with the error's text.
type BatchFunc func(b *Batch) ([]Result, error)

// Registration errors, reported as the failure of every batch.
var (
	// ErrNotRegistered means neither OnRecord nor OnBatch was called.
	ErrNotRegistered = errors.New("no transform function registered: call transform.OnRecord or transform.OnBatch from func init (main.main never runs in a -buildmode=c-shared module)")
	// ErrRegisteredTwice means OnRecord or OnBatch was called more than once.
	ErrRegisteredTwice = errors.New("transform function registered more than once: call transform.OnRecord or transform.OnBatch exactly once")
	// ErrNilFunc means OnRecord or OnBatch was given a nil function.
	ErrNilFunc = errors.New("transform function is nil")
)

// registry holds the one function the module registered. Registration
// happens in init, before the host calls any export; a guest instance runs
// one batch at a time, so it needs no lock.
var registry handler

// handler is the registered function, or the registration error.
type handler struct {
	record RecordFunc
	batch  BatchFunc
	err    error
}

func (h *handler) set(record RecordFunc, batch BatchFunc) {
	switch {
	case h.err != nil:
	case h.record != nil || h.batch != nil:
		h.err = ErrRegisteredTwice
	case record == nil && batch == nil:
		h.err = ErrNilFunc
	default:
		h.record, h.batch = record, batch
	}
}

// OnRecord registers fn to transform each record of every batch. Call it
// exactly once, from func init.
func OnRecord(fn RecordFunc) {
	registry.set(fn, nil)
}

// OnBatch registers fn to transform every batch as a whole, for transforms
// that want the batch's identity or to work across records. Call it exactly
// once, from func init.
func OnBatch(fn BatchFunc) {
	registry.set(nil, fn)
}
