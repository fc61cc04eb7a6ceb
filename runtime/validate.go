package runtime

import "fmt"

// answerError says why a decoded response does not answer its batch.
type answerError struct{ reason string }

func (e *answerError) Error() string { return e.reason }

// validate checks that resp answers every record of b exactly once and
// nothing else, naming the first offending id as sdk/ABI.md says; it then
// fills ProcessingFailed results with the record's original data. ids maps
// each input id to its index and seen has one slot per record; both are
// scratch space the caller may reuse (ids is rebuilt when nil or stale).
func validate(b *Batch, resp *Response, ids map[string]int, seen []bool) error {
	for i := range resp.Records {
		res := &resp.Records[i]
		idx, ok := ids[res.RecordID]
		if !ok {
			return &answerError{fmt.Sprintf("unknown record id %q", res.RecordID)}
		}
		if seen[idx] {
			return &answerError{fmt.Sprintf("record %q answered twice", res.RecordID)}
		}
		seen[idx] = true
		if res.Status == StatusProcessingFailed {
			res.Data = b.Records[idx].Data
		}
	}
	for i, ok := range seen {
		if !ok {
			return &answerError{fmt.Sprintf("record %q not answered", b.Records[i].RecordID)}
		}
	}
	return nil
}

// indexScratch is reusable per-call scratch space for validate.
type indexScratch struct {
	ids  map[string]int
	seen []bool
}

// reset indexes the ids of b; it fails when b repeats an id.
func (s *indexScratch) reset(b *Batch) error {
	if s.ids == nil {
		s.ids = make(map[string]int, len(b.Records))
	} else {
		clear(s.ids)
	}
	if cap(s.seen) < len(b.Records) {
		s.seen = make([]bool, len(b.Records))
	} else {
		s.seen = s.seen[:len(b.Records)]
		clear(s.seen)
	}
	for i := range b.Records {
		id := b.Records[i].RecordID
		if _, dup := s.ids[id]; dup {
			return fmt.Errorf("batch repeats record id %q", id)
		}
		s.ids[id] = i
	}
	return nil
}
