package main

import (
	"slices"

	"github.com/sluice-io/sluice/sdk/go/transform"
)

func init() {
	p, err := newProjector(transform.Param("FIELDS"), transform.Param("RENAME"))
	if err != nil {
		// A bad parameter is the pipeline's mistake, not the records': fail
		// every batch with the reason rather than every record.
		transform.OnBatch(func(*transform.Batch) ([]transform.Result, error) { return nil, err })
		return
	}
	// A batch function, so the projector's memory (and the results) can be
	// reused from batch to batch: the SDK is done with the last batch's
	// answers when the next batch arrives.
	var results []transform.Result
	transform.OnBatch(func(b *transform.Batch) ([]transform.Result, error) {
		p.reset()
		results = slices.Grow(results[:0], len(b.Records))[:len(b.Records)]
		for i, r := range b.Records {
			out, err := p.apply(r.Data)
			if err != nil {
				results[i] = transform.Fail(err)
				continue
			}
			results[i] = transform.Ok(out)
		}
		return results, nil
	})
}

// main never runs in a -buildmode=c-shared module; the work is set up in init.
func main() {}
