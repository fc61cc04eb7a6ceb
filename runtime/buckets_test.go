package runtime

import (
	"context"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
)

func TestCheckBucketGrant(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"devices", true},
		{"sites_2024", true},
		{"sluicebox", true},
		{"my-sluice_tables", true},
		{"sluice_delivery", false},
		{"sluice_kinesis", false},
		{"sluice-modules", false},
		{"sluice-module-versions", false},
		{"SLUICE_anything", false},
		{"Sluice-x", false},
		{"sluice", false},
		{"KV_sluice_delivery", false},
		{"OBJ_sluice-modules", false},
		{"kv_Sluice_kinesis", false},
		{"", false},
		{"a.b", false},
		{"a b", false},
		{"../x", false},
	} {
		err := CheckBucketGrant(c.name)
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBucketGrant)) {
			t.Errorf("%q: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// TestLoadRefusesReservedBucket: the runtime itself refuses to load a
// module granted one of Sluice's own buckets, even when the bucket exists
// on the connection kv_get reads through and validation was skipped.
func TestLoadRefusesReservedBucket(t *testing.T) {
	ctx := context.Background()
	js := jstest.Start(t, "")
	kv, err := js.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "sluice_delivery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.PutString(ctx, "def.other", `{"secretAccessKey":"s3cr3t"}`); err != nil {
		t.Fatal(err)
	}
	r, _ := newTestRuntime(t, WithKV(js.JS))
	for _, grant := range [][]string{{"sluice_delivery"}, {"devices", "KV_sluice_kinesis"}, {"Sluice-modules"}} {
		m, err := r.Load(ctx, Ref{Name: "c_enrich", Version: 1}, wasmFile(t, "c_enrich"), ModuleConfig{Grants: Grants{KVBuckets: grant}})
		if err == nil {
			resp, terr := m.Transform(ctx, batchOf("sluice_delivery/def.other"))
			_ = m.Close(ctx)
			t.Fatalf("grant %v loaded; the module read %v (%v)", grant, resultData(resp), terr)
		}
		if !errors.Is(err, ErrBucketGrant) {
			t.Errorf("grant %v: %v, want ErrBucketGrant", grant, err)
		}
	}
}
