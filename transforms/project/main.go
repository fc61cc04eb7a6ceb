package main

import "github.com/sluice-io/sluice/sdk/go/transform"

func init() {
	p, err := newProjector(transform.Param("FIELDS"), transform.Param("RENAME"))
	if err != nil {
		// A bad parameter is the pipeline's mistake, not the records': fail
		// every batch with the reason rather than every record.
		transform.OnBatch(func(*transform.Batch) ([]transform.Result, error) { return nil, err })
		return
	}
	transform.OnRecord(func(r transform.Record) (transform.Result, error) {
		out, err := p.apply(r.Data)
		if err != nil {
			return transform.Result{}, err
		}
		return transform.Ok(out), nil
	})
}

// main never runs in a -buildmode=c-shared module; the work is set up in init.
func main() {}
