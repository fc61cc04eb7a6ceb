package runtime

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
)

func TestKVGet(t *testing.T) {
	ctx := context.Background()
	js := jstest.Start(t, "")
	kv, err := js.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sites"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "secret"}); err != nil {
		t.Fatal(err)
	}
	put := func(k, v string) {
		t.Helper()
		if _, err := kv.PutString(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	put("s1", "Berlin")
	put("gone", "x")
	if err := kv.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("L", 5000) // bigger than the guest's first buffer
	put("long", long)
	put("empty", "")

	r, _ := newTestRuntime(t, WithKV(js.JS))
	m := load(t, r, "c_enrich", ModuleConfig{Grants: Grants{KVBuckets: []string{"sites", "missing"}}})
	b := batchOf("sites/s1", "sites/nokey", "sites/gone", "secret/s1", "missing/s1", "sites/long", "sites/empty", "sites/bad key")
	want := []string{"Berlin", "rc=-1", "rc=-1", "rc=-2", "rc=-3", long, "", "rc=-1"}
	check := func() {
		t.Helper()
		resp, err := m.Transform(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		got := resultData(resp)
		for i, rec := range b.Records {
			if got[rec.RecordID] != want[i] {
				t.Errorf("%s: %.40q, want %.40q", rec.Data, got[rec.RecordID], want[i])
			}
		}
	}
	check()
	// A table updated while the pipeline runs is seen by the next batch.
	put("s1", "Hamburg")
	want[0] = "Hamburg"
	check()

	// Without WithKV every granted lookup fails with -3.
	r2, _ := newTestRuntime(t)
	m2 := load(t, r2, "c_enrich", ModuleConfig{Grants: Grants{KVBuckets: []string{"sites"}}})
	resp, err := m2.Transform(ctx, batchOf("sites/s1"))
	if err != nil || string(resp.Records[0].Data) != "rc=-3" {
		t.Errorf("no KV: %v %v", resp, err)
	}
}
