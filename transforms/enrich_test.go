package transforms

import (
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/runtime"
)

const enrichWasm = "enrich/enrich.wasm"

// enrichEnv is the parameters of the enrich tests; ON_MISSING is set per test.
func enrichEnv(onMissing string) map[string]string {
	return map[string]string{"BUCKET": "devices", "KEY_FIELD": "device_id", "TARGET_FIELD": "meta.device", "ON_MISSING": onMissing}
}

// newDevices starts JetStream, creates the "devices" bucket with entries
// and returns it with a Runtime that reads it.
func newDevices(t *testing.T, entries map[string]string) (jetstream.KeyValue, *runtime.Runtime) {
	t.Helper()
	js := jstest.Start(t, "")
	kv, err := js.JS.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "devices"})
	if err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	for k, v := range entries {
		if _, err := kv.PutString(t.Context(), k, v); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	return kv, newRuntime(t, runtime.WithKV(js.JS))
}

// bigValue is a table value of about 10 KiB.
var bigValue = `{"notes":"` + strings.Repeat("0123456789", 1000) + `","n":1}`

// TestEnrich checks records against a real JetStream key-value bucket,
// one batch per ON_MISSING setting.
func TestEnrich(t *testing.T) {
	_, r := newDevices(t, map[string]string{
		"d1":  `{"site":"berlin","floor":3}`,
		"7":   `"seven"`,
		"d9":  `not json`,
		"big": bigValue, // larger than the SDK's first 4 KiB kv_get buffer
	})
	common := []rec{
		{name: "readme example", data: `{"device_id":"d1","t":21}`,
			want: okJSON(`{"device_id":"d1","t":21,"meta":{"device":{"site":"berlin","floor":3}}}`)},
		{name: "same key twice in a batch", data: `{"device_id":"d1","t":22.50}`,
			want: okJSON(`{"device_id":"d1","t":22.50,"meta":{"device":{"site":"berlin","floor":3}}}`)},
		{name: "number key", data: `{"device_id":7,"meta":{"x":1}}`, want: okJSON(`{"device_id":7,"meta":{"x":1,"device":"seven"}}`)},
		{name: "value larger than 4 KiB", data: `{"device_id":"big"}`,
			want: okJSON(`{"device_id":"big","meta":{"device":` + bigValue + `}}`)},
		{name: "value not JSON", data: `{"device_id":"d9"}`, want: failed(`value of key "d9" in bucket devices is not JSON`)},
		{name: "no key field", data: `{"id":"d1"}`, want: failed("record has no field device_id")},
		{name: "key not a string", data: `{"device_id":true}`, want: failed("field device_id is not a string or a number")},
		{name: "target not an object", data: `{"device_id":"d1","meta":5}`, want: failed("cannot set meta.device: meta is not an object")},
		{name: "not an object", data: `["d1"]`, want: failed("record is not a JSON object…")},
	}
	missing := rec{name: "missing key", data: `{"device_id":"nope","t":1}`}
	for _, tc := range []struct {
		onMissing string
		want      want
	}{
		{"keep", okJSON(`{"device_id":"nope","t":1}`)},
		{"", okJSON(`{"device_id":"nope","t":1}`)}, // keep is the default
		{"drop", dropped()},
		{"fail", failed(`key "nope" is not in bucket devices`)},
	} {
		t.Run("ON_MISSING="+tc.onMissing, func(t *testing.T) {
			m := load(t, r, "enrich", enrichWasm, runtime.ModuleConfig{
				Grants: runtime.Grants{KVBuckets: []string{"devices"}, Env: enrichEnv(tc.onMissing)},
			})
			miss := missing
			miss.want = tc.want
			runRecords(t, m, append(append([]rec{}, common...), miss))
		})
	}
}

// TestEnrichSeesChanges changes and deletes a table entry between batches
// on one warm instance: each batch reads the table afresh.
func TestEnrichSeesChanges(t *testing.T) {
	kv, r := newDevices(t, map[string]string{"d1": `{"site":"berlin"}`})
	m := load(t, r, "enrich", enrichWasm, runtime.ModuleConfig{
		Limits: runtime.Limits{Instances: 1}, // the same instance serves every batch
		Grants: runtime.Grants{KVBuckets: []string{"devices"}, Env: enrichEnv("fail")},
	})
	rec := func(w want) []rec { return []rec{{name: "d1", data: `{"device_id":"d1"}`, want: w}} }

	t.Run("first value", func(t *testing.T) {
		runRecords(t, m, rec(okJSON(`{"device_id":"d1","meta":{"device":{"site":"berlin"}}}`)))
	})
	if _, err := kv.PutString(t.Context(), "d1", `{"site":"paris","floor":2}`); err != nil {
		t.Fatal(err)
	}
	t.Run("changed value", func(t *testing.T) {
		runRecords(t, m, rec(okJSON(`{"device_id":"d1","meta":{"device":{"site":"paris","floor":2}}}`)))
	})
	if err := kv.Delete(t.Context(), "d1"); err != nil {
		t.Fatal(err)
	}
	t.Run("deleted", func(t *testing.T) {
		runRecords(t, m, rec(failed(`key "d1" is not in bucket devices`)))
	})
}

// TestEnrichBucketErrors: a bucket the pipeline does not grant, or one that
// does not exist, fails the whole batch with the guest's error.
func TestEnrichBucketErrors(t *testing.T) {
	_, r := newDevices(t, map[string]string{"d1": `{"site":"berlin"}`})
	batch := batchOf([]rec{{data: `{"device_id":"d1"}`}})
	for _, tc := range []struct {
		name    string
		granted []string
		bucket  string
		msg     string
	}{
		{"not granted", nil, "devices",
			"transform enrich@1: guest error: enrich: kv_get devices/d1: bucket not granted to this module"},
		{"other bucket granted", []string{"sites"}, "devices",
			"transform enrich@1: guest error: enrich: kv_get devices/d1: bucket not granted to this module"},
		{"no such bucket", []string{"ghosts"}, "ghosts",
			"transform enrich@1: guest error: enrich: kv_get ghosts/d1: lookup failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := enrichEnv("keep")
			env["BUCKET"] = tc.bucket
			m := load(t, r, "enrich", enrichWasm, runtime.ModuleConfig{
				Grants: runtime.Grants{KVBuckets: tc.granted, Env: env},
			})
			_, err := m.Transform(t.Context(), batch)
			assertTransformError(t, err, runtime.ErrGuest, tc.msg)
		})
	}
}

func TestEnrichBadParameters(t *testing.T) {
	runSuites(t, "enrich", enrichWasm, []suite{
		{
			name:     "none",
			batchErr: "transform enrich@1: guest error: BUCKET is required\nKEY_FIELD is required\nTARGET_FIELD is required",
		},
		{
			name:     "bad ON_MISSING and path",
			env:      map[string]string{"BUCKET": "devices", "KEY_FIELD": "a..b", "TARGET_FIELD": "t", "ON_MISSING": "skip"},
			batchErr: "transform enrich@1: guest error: KEY_FIELD: field path \"a..b\" has an empty part\nON_MISSING is \"skip\"; want keep, fail or drop",
		},
	})
}
