package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/sdk/go/transform"
)

// table is an in-memory lookup table standing in for the bucket in tests of
// the enrichment logic; it counts lookups.
type table struct {
	values  map[string]string
	lookups int
	err     error
}

func (tb *table) lookup(bucket, key string) ([]byte, bool, error) {
	tb.lookups++
	if tb.err != nil {
		return nil, false, tb.err
	}
	v, ok := tb.values[bucket+"/"+key]
	if !ok {
		return nil, false, nil
	}
	return []byte(v), true, nil
}

func params(kv ...string) func(string) string {
	m := map[string]string{"BUCKET": "devices", "KEY_FIELD": "device", "TARGET_FIELD": "info"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(name string) string { return m[name] }
}

func batchOf(data ...string) *transform.Batch {
	b := &transform.Batch{}
	for i, d := range data {
		b.Records = append(b.Records, transform.Record{ID: fmt.Sprint(i), Data: []byte(d)})
	}
	return b
}

func TestEnrichRecords(t *testing.T) {
	tb := &table{values: map[string]string{
		"devices/d1":  `{"site": "berlin", "floor": 3}`,
		"devices/42":  `"answer"`,
		"devices/bad": `not json`,
	}}
	tests := []struct {
		name, onMissing, target, in string
		status                      transform.Status
		want                        string // the new data for Ok, the error for ProcessingFailed
	}{
		{"found", "", "", `{"device":"d1","t":1}`, transform.StatusOk, `{"device":"d1","info":{"site":"berlin","floor":3},"t":1}`},
		{"numeric key", "", "", `{"device":42}`, transform.StatusOk, `{"device":42,"info":"answer"}`},
		{"nested target", "", "meta.device", `{"device":"d1","meta":{"a":1}}`, transform.StatusOk, `{"device":"d1","meta":{"a":1,"device":{"site":"berlin","floor":3}}}`},
		{"missing, keep", "keep", "", `{"device":"zz", "x": 1}`, transform.StatusOk, `{"device":"zz", "x": 1}`},
		{"missing, default keep", "", "", `{"device":"zz"}`, transform.StatusOk, `{"device":"zz"}`},
		{"missing, drop", "drop", "", `{"device":"zz"}`, transform.StatusDropped, ``},
		{"missing, fail", "fail", "", `{"device":"zz"}`, transform.StatusProcessingFailed, `key "zz" is not in bucket devices`},
		{"no key field", "", "", `{"other":"d1"}`, transform.StatusProcessingFailed, `record has no field device`},
		{"key not a string", "", "", `{"device":{"id":1}}`, transform.StatusProcessingFailed, `field device is not a string or a number`},
		{"not an object", "", "", `[1]`, transform.StatusProcessingFailed, `record is not a JSON object`},
		{"value not JSON", "", "", `{"device":"bad"}`, transform.StatusProcessingFailed, `value of key "bad" in bucket devices is not JSON`},
		{"target under a non-object", "", "device.info", `{"device":"d1"}`, transform.StatusProcessingFailed, `cannot set device.info: device is not an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "info"
			}
			cfg, err := configFromParams(params("ON_MISSING", tt.onMissing, "TARGET_FIELD", target))
			if err != nil {
				t.Fatal(err)
			}
			results, err := newEnricher(cfg, tb.lookup).batch(batchOf(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			res := results[0]
			if res.Status != tt.status {
				t.Fatalf("status %s (%s %s), want %s", res.Status, res.Data, res.Error, tt.status)
			}
			got := string(res.Data)
			if tt.status == transform.StatusProcessingFailed {
				got = res.Error
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEnrichCachesPerBatch(t *testing.T) {
	tb := &table{values: map[string]string{"devices/d1": `1`}}
	cfg, err := configFromParams(params())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnricher(cfg, tb.lookup)
	b := batchOf(`{"device":"d1"}`, `{"device":"d1"}`, `{"device":"d2"}`, `{"device":"d2"}`)
	if _, err := e.batch(b); err != nil {
		t.Fatal(err)
	}
	if tb.lookups != 2 {
		t.Errorf("%d lookups for 2 distinct keys in one batch", tb.lookups)
	}
	// A change to the table shows in the next batch.
	tb.values["devices/d1"] = `2`
	results, err := e.batch(batchOf(`{"device":"d1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(results[0].Data); got != `{"device":"d1","info":2}` {
		t.Errorf("after the table changed: %s", got)
	}
}

func TestEnrichLookupErrorFailsBatch(t *testing.T) {
	tb := &table{err: transform.ErrKVNotGranted}
	cfg, err := configFromParams(params())
	if err != nil {
		t.Fatal(err)
	}
	_, err = newEnricher(cfg, tb.lookup).batch(batchOf(`{"device":"d1"}`))
	if !errors.Is(err, transform.ErrKVNotGranted) {
		t.Errorf("err = %v, want ErrKVNotGranted", err)
	}
}

func TestConfig(t *testing.T) {
	if _, err := configFromParams(func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "BUCKET is required") || !strings.Contains(err.Error(), "KEY_FIELD is required") ||
		!strings.Contains(err.Error(), "TARGET_FIELD is required") {
		t.Errorf("no parameters: err = %v", err)
	}
	if _, err := configFromParams(params("ON_MISSING", "ignore")); err == nil || err.Error() != `ON_MISSING is "ignore"; want keep, fail or drop` {
		t.Errorf("bad ON_MISSING: err = %v", err)
	}
	if _, err := configFromParams(params("KEY_FIELD", "a..b")); err == nil || err.Error() != `KEY_FIELD: field path "a..b" has an empty part` {
		t.Errorf("bad KEY_FIELD: err = %v", err)
	}
	cfg, err := configFromParams(params())
	if err != nil || cfg.onMissing != missingKeep || cfg.bucket != "devices" {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
}
