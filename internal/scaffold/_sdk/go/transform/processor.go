package transform

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxAlloc is the largest input buffer sluice_alloc hands out; larger
// requests get 0 (the host's limit on instance memory is far smaller).
const maxAlloc = 1 << 30

// processor runs batches for one guest instance. Its buffers are reused
// from batch to batch and live in a package variable, so the Go garbage
// collector never frees memory the host still writes to or reads from.
type processor struct {
	in      []byte
	batch   Batch
	meta    []KinesisMetadata
	results []Result
	out     []byte
}

// alloc returns a buffer of size bytes for the host to write a batch into,
// reusing the previous one when it is large enough, or nil when size is
// negative or too large.
func (p *processor) alloc(size int32) []byte {
	if size < 0 || size > maxAlloc {
		return nil
	}
	n := max(int(size), 1) // a non-empty buffer, so its address is never 0
	if cap(p.in) < n {
		p.in = make([]byte, n)
	}
	return p.in[:size]
}

// input returns the n bytes at address ptr, which must lie inside the
// buffer alloc handed out, or nil if they do not.
func (p *processor) input(ptr uintptr, n int) []byte {
	if cap(p.in) == 0 || n < 0 {
		return nil
	}
	base := addressOf(p.in[:1])
	if ptr < base || ptr-base > uintptr(cap(p.in)) || uintptr(n) > uintptr(cap(p.in))-(ptr-base) {
		return nil
	}
	off := int(ptr - base)
	return p.in[off : off+n]
}

// process transforms one encoded batch. It returns the bytes to hand to the
// host with set_output and the code sluice_transform returns: 0 with an
// encoded response, or 1 with an error message.
func (p *processor) process(h *handler, input []byte) ([]byte, int32) {
	if err := p.run(h, input); err != nil {
		p.out = append(p.out[:0], strings.ToValidUTF8(err.Error(), "\uFFFD")...)
		return p.out, 1
	}
	return p.out, 0
}

func (p *processor) run(h *handler, input []byte) (err error) {
	switch {
	case h.err != nil:
		return h.err
	case h.record == nil && h.batch == nil:
		return ErrNotRegistered
	}
	p.meta, err = decodeBatch(input, &p.batch, p.meta)
	if err != nil {
		return err
	}
	var results []Result
	if h.batch != nil {
		results, err = callBatch(h.batch, &p.batch)
		if err != nil {
			return err
		}
		if len(results) != len(p.batch.Records) {
			return fmt.Errorf("batch function returned %d results for %d records", len(results), len(p.batch.Records))
		}
	} else {
		p.results = slices.Grow(p.results[:0], len(p.batch.Records))[:len(p.batch.Records)]
		if err := callRecords(h.record, p.batch.Records, p.results); err != nil {
			return err
		}
		results = p.results
	}
	for i := range results {
		normalize(&results[i])
	}
	p.out = appendResponse(p.out[:0], p.batch.Records, results)
	// Drop references to the function's data so the collector can free it.
	clear(p.results)
	clear(p.batch.Records)
	return nil
}

// callRecords runs a record function over records, writing results[i] for
// records[i]. A returned error turns into a failed record; a panic turns
// into an error that fails the batch. One deferred recover serves the whole
// batch.
func callRecords(fn RecordFunc, records []Record, results []Result) (err error) {
	i := 0
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in record function (record %q): %v", records[i].ID, v)
		}
	}()
	for ; i < len(records); i++ {
		res, ferr := fn(records[i])
		if ferr != nil {
			res = Fail(ferr)
		}
		results[i] = res
	}
	return nil
}

// callBatch runs a batch function, turning its panic into an error.
func callBatch(fn BatchFunc, b *Batch) (results []Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in batch function: %v", v)
		}
	}()
	return fn(b)
}

// normalize makes a result encodable, in place: an unknown status or a
// partition key that is not UTF-8 (the host refuses such a response as a
// whole) turns into a failed record, and an error message is made valid
// UTF-8. The common case, Ok without keys, costs two comparisons.
func normalize(res *Result) {
	switch {
	case res.Status > StatusProcessingFailed:
		*res = Result{Status: StatusProcessingFailed, Error: fmt.Sprintf("transform returned unknown status %d", res.Status)}
		return
	case res.Status == StatusOk:
		for k, v := range res.PartitionKeys {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				*res = Result{Status: StatusProcessingFailed, Error: fmt.Sprintf("partition key %q is not valid UTF-8", k)}
				return
			}
		}
	}
	if res.Error != "" {
		res.Error = strings.ToValidUTF8(res.Error, "\uFFFD")
	}
}
