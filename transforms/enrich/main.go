package main

import "github.com/sluice-io/sluice/sdk/go/transform"

func init() {
	cfg, err := configFromParams(transform.Param)
	if err != nil {
		// A bad parameter is the pipeline's mistake: fail every batch with it.
		transform.OnBatch(func(*transform.Batch) ([]transform.Result, error) { return nil, err })
		return
	}
	e := newEnricher(cfg, transform.KVGet)
	transform.OnBatch(e.batch)
}

// main never runs in a -buildmode=c-shared module; the work is set up in init.
func main() {}
