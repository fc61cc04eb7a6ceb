package runtime

import "fmt"

// answerError says why a decoded response does not answer its batch.
type answerError struct{ reason string }

func (e *answerError) Error() string { return e.reason }

// validate checks that resp answers every record of s's batch exactly once
// and nothing else, naming the first offending id as sdk/ABI.md says; it
// then fills ProcessingFailed results with the record's original data.
// s.answers must hold, for each answer, the index of the input record it
// names or -1 (what decodeResponse and matchAnswers leave there).
func validate(resp *Response, s *indexScratch) error {
	b := s.b
	for i := range resp.Records {
		res := &resp.Records[i]
		idx := s.answers[i]
		if idx < 0 {
			return &answerError{fmt.Sprintf("unknown record id %q", res.RecordID)}
		}
		if s.seen[idx] {
			return &answerError{fmt.Sprintf("record %q answered twice", res.RecordID)}
		}
		s.seen[idx] = true
		if res.Status == StatusProcessingFailed {
			res.Data = b.Records[idx].Data
		}
	}
	for i, ok := range s.seen {
		if !ok {
			return &answerError{fmt.Sprintf("record %q not answered", b.Records[i].RecordID)}
		}
	}
	return nil
}

// indexScratch matches answers to the records of one batch; an instance
// reuses it from batch to batch.
//
// Guests answer in input order almost always, so answer i is first compared
// with record i (no hashing, no allocation). Only when that fails is an id
// looked up in a map of the batch's ids, built on first need. The map is
// also how reset checks that a batch does not repeat an id, unless the ids
// are strictly increasing (shortlex: shorter first, then bytewise), which
// proves them distinct without it: the ids the delivery pipeline makes
// (source sequence numbers) are.
type indexScratch struct {
	b       *Batch
	ids     map[string]int32 // input id to index; valid only when mapped
	mapped  bool
	seen    []bool  // per input record: answered yet
	answers []int32 // per answer: the input index it names, or -1
}

// reset prepares s for batch b; it fails when b repeats an id.
func (s *indexScratch) reset(b *Batch) error {
	s.b, s.mapped = b, false
	if cap(s.seen) < len(b.Records) {
		s.seen = make([]bool, len(b.Records))
	} else {
		s.seen = s.seen[:len(b.Records)]
		clear(s.seen)
	}
	if idsIncreasing(b.Records) {
		return nil
	}
	return s.index()
}

// index builds the id map of s.b; it fails when the batch repeats an id.
func (s *indexScratch) index() error {
	if s.ids == nil {
		s.ids = make(map[string]int32, len(s.b.Records))
	} else {
		clear(s.ids)
	}
	for i := range s.b.Records {
		id := s.b.Records[i].RecordID
		if _, dup := s.ids[id]; dup {
			return fmt.Errorf("batch repeats record id %q", id)
		}
		s.ids[id] = int32(i)
	}
	s.mapped = true
	return nil
}

// idsIncreasing reports whether the record ids are in strictly increasing
// shortlex order, and so all distinct.
func idsIncreasing(recs []Record) bool {
	for i := 1; i < len(recs); i++ {
		a, b := recs[i-1].RecordID, recs[i].RecordID
		if len(a) > len(b) || len(a) == len(b) && a >= b {
			return false
		}
	}
	return true
}

// sizeAnswers sizes s.answers for n answers.
func (s *indexScratch) sizeAnswers(n int) {
	if cap(s.answers) < n {
		s.answers = make([]int32, n)
	}
	s.answers = s.answers[:n]
}

// find returns the index of the input record with id, which answer i
// names, or -1 when the batch has no such id.
func (s *indexScratch) find(i int, id []byte) int32 {
	if recs := s.b.Records; i < len(recs) && string(id) == recs[i].RecordID {
		return int32(i)
	}
	s.ensureMapped()
	if idx, ok := s.ids[string(id)]; ok {
		return idx
	}
	return -1
}

// findString is find for an id that is already a string.
func (s *indexScratch) findString(i int, id string) int32 {
	if recs := s.b.Records; i < len(recs) && id == recs[i].RecordID {
		return int32(i)
	}
	s.ensureMapped()
	if idx, ok := s.ids[id]; ok {
		return idx
	}
	return -1
}

func (s *indexScratch) ensureMapped() {
	if !s.mapped {
		// Cannot fail: reset skipped the map only for distinct ids.
		_ = s.index()
	}
}

// matchAnswers fills s.answers for resp and points each answer that names
// an input record at the batch's own id string.
func (s *indexScratch) matchAnswers(resp *Response) {
	s.sizeAnswers(len(resp.Records))
	for i := range resp.Records {
		res := &resp.Records[i]
		idx := s.findString(i, res.RecordID)
		s.answers[i] = idx
		if idx >= 0 {
			res.RecordID = s.b.Records[idx].RecordID
		}
	}
}
