package main

import (
	"encoding/json"
	"fmt"

	"github.com/sluice-io/sluice/sdk/go/jsonpath"
	"github.com/sluice-io/sluice/sdk/go/transform"
)

// lookupFunc reads the current value of key in bucket
// (transform.KVGet in the module).
type lookupFunc func(bucket, key string) ([]byte, bool, error)

// cached is a lookup answer kept for the rest of a batch.
type cached struct {
	value json.RawMessage
	found bool
}

// enricher adds the table's value for each record's key to the record.
type enricher struct {
	cfg    config
	lookup lookupFunc
	cache  map[string]cached // per batch: the table is read afresh for each batch
}

func newEnricher(cfg config, lookup lookupFunc) *enricher {
	return &enricher{cfg: cfg, lookup: lookup, cache: map[string]cached{}}
}

// batch enriches every record of b. A failed lookup (bucket not granted,
// not reachable) fails the batch, so it is retried; problems of a single
// record fail only that record.
func (e *enricher) batch(b *transform.Batch) ([]transform.Result, error) {
	clear(e.cache)
	results := make([]transform.Result, len(b.Records))
	for i, r := range b.Records {
		res, err := e.record(r.Data)
		if err != nil {
			return nil, err
		}
		results[i] = res
	}
	return results, nil
}

// record enriches one record's data.
func (e *enricher) record(data []byte) (transform.Result, error) {
	obj, err := jsonpath.DecodeObject(data)
	if err != nil {
		return transform.Fail(err), nil
	}
	raw, ok := e.cfg.keyField.Get(obj)
	if !ok {
		return transform.Fail(fmt.Errorf("record has no field %s", e.cfg.keyField)), nil
	}
	var key string
	switch v := raw.(type) {
	case string:
		key = v
	case json.Number:
		key = v.String()
	default:
		return transform.Fail(fmt.Errorf("field %s is not a string or a number", e.cfg.keyField)), nil
	}
	hit, err := e.get(key)
	if err != nil {
		return transform.Result{}, err
	}
	if !hit.found {
		switch e.cfg.onMissing {
		case missingDrop:
			return transform.Drop(), nil
		case missingFail:
			return transform.Fail(fmt.Errorf("key %q is not in bucket %s", key, e.cfg.bucket)), nil
		default:
			return transform.Ok(data), nil
		}
	}
	if !json.Valid(hit.value) {
		return transform.Fail(fmt.Errorf("value of key %q in bucket %s is not JSON", key, e.cfg.bucket)), nil
	}
	if err := e.cfg.target.Set(obj, hit.value); err != nil {
		return transform.Fail(err), nil
	}
	out, err := jsonpath.EncodeObject(obj)
	if err != nil {
		return transform.Fail(err), nil
	}
	return transform.Ok(out), nil
}

// get looks key up, once per batch.
func (e *enricher) get(key string) (cached, error) {
	if c, ok := e.cache[key]; ok {
		return c, nil
	}
	value, found, err := e.lookup(e.cfg.bucket, key)
	if err != nil {
		return cached{}, fmt.Errorf("enrich: %w", err)
	}
	c := cached{value: value, found: found}
	e.cache[key] = c
	return c, nil
}
