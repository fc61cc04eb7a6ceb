package runtime

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTransformIdentityAndUpper(t *testing.T) {
	r, _ := newTestRuntime(t)
	b := batchOf("hello", "", "MiXed 123")
	b.SourceStreamARN = "arn:aws:kinesis:us-east-1:123456789012:stream/src"
	b.Records[0].Kinesis = &KinesisMetadata{ShardID: "shardId-000000000000", PartitionKey: "k", SequenceNumber: "42", ArrivalTime: time.UnixMilli(1)}
	for _, tc := range []struct {
		module string
		want   map[string]string
	}{
		{"c_identity", map[string]string{"a": "hello", "b": "", "c": "MiXed 123"}},
		{"c_upper", map[string]string{"a": "HELLO", "b": "", "c": "MIXED 123"}},
	} {
		t.Run(tc.module, func(t *testing.T) {
			m := load(t, r, tc.module, ModuleConfig{})
			resp, err := m.Transform(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			if got := resultData(resp); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("data %v, want %v", got, tc.want)
			}
			for _, res := range resp.Records {
				if res.Status != StatusOk {
					t.Errorf("record %s: %v", res.RecordID, res.Status)
				}
			}
		})
	}
}

// TestPoolReusesInstance: c_upper counts the batches its instance has seen
// and reports the count as partition key "calls".
func TestPoolReusesInstance(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "c_upper", ModuleConfig{Limits: Limits{Instances: 1}})
	for want := 1; want <= 3; want++ {
		resp, err := m.Transform(context.Background(), batchOf("x"))
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Records[0].PartitionKeys["calls"]; got != string(rune('0'+want)) {
			t.Fatalf("batch %d ran in an instance that had seen %s batches", want, got)
		}
	}
}

// TestHostileModules runs every misbehaving module: each fails with its
// kind and a message naming the module, and a good batch right after works
// (the module's pool is not poisoned).
func TestHostileModules(t *testing.T) {
	r, _ := newTestRuntime(t)
	for _, tc := range []struct {
		module string
		limits Limits
		kind   error
		reason string
	}{
		{"trap", Limits{}, ErrTrap, "trap: wasm error: unreachable"},
		{"loop", Limits{Timeout: 200 * time.Millisecond}, ErrTimeout, "deadline exceeded after 200ms"},
		{"memhog", Limits{MemoryBytes: 1 << 20}, ErrGuest, "guest error: memory.grow failed at 16 pages"},
		{"memhog", Limits{}, ErrGuest, "guest error: memory.grow failed at 1024 pages"},
		{"garbage", Limits{}, ErrMalformedOutput, "malformed response: bad magic at byte 0"},
		{"bigout", Limits{}, ErrOutputTooLarge, "output of 6553600 bytes exceeds the cap of 6291456 bytes"},
		{"bigout", Limits{MaxOutputBytes: 7 << 20}, ErrMalformedOutput, "malformed response: bad magic at byte 0"},
		{"dup", Limits{}, ErrBadAnswer, `record "a" answered twice`},
		{"missing", Limits{}, ErrBadAnswer, `record "b" not answered`},
		{"unknown", Limits{}, ErrBadAnswer, `unknown record id "x"`},
		{"guesterr", Limits{}, ErrGuest, "guest error: boom: bad input"},
		{"ret7", Limits{}, ErrABIViolation, "sluice_transform returned 7"},
		{"nooutput", Limits{}, ErrABIViolation, "guest returned no output"},
		{"alloc0", Limits{}, ErrGuest, "guest could not allocate "},
		{"allocoob", Limits{}, ErrABIViolation, "sluice_alloc("},
		{"allocwrap", Limits{}, ErrABIViolation, "sluice_alloc("},
	} {
		t.Run(tc.module+"/"+tc.reason, func(t *testing.T) {
			m := load(t, r, tc.module, ModuleConfig{Limits: tc.limits})
			for attempt := range 2 { // the second call gets a fresh or reused instance
				_, err := m.Transform(context.Background(), batchOf("x", "y"))
				te := transformErr(t, err, tc.kind)
				if te.Module != tc.module || te.Version != 1 || !strings.HasPrefix(te.Reason, tc.reason) {
					t.Errorf("attempt %d: %+v, want module %s@1 reason %q", attempt, te, tc.module, tc.reason)
				}
				if !strings.HasPrefix(err.Error(), "transform "+tc.module+"@1: "+tc.reason) {
					t.Errorf("attempt %d: message %q", attempt, err)
				}
			}
			// no instance leaked: every slot is free again
			if n := len(m.pool.slots); n > 1 {
				t.Errorf("%d instances alive after two calls", n)
			}
		})
	}
	// The same runtime still serves a good module.
	good := load(t, r, "c_identity", ModuleConfig{})
	if _, err := good.Transform(context.Background(), batchOf("ok")); err != nil {
		t.Fatalf("good module after hostile ones: %v", err)
	}
}

// TestTrapDiscardsInstance: after a trap the next batch runs in a new
// instance (its counter restarts), and a good batch works.
func TestTrapDiscardsInstance(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "c_upper", ModuleConfig{Limits: Limits{Instances: 1, Timeout: time.Second}})
	call := func() string {
		resp, err := m.Transform(context.Background(), batchOf("x"))
		if err != nil {
			t.Fatal(err)
		}
		return resp.Records[0].PartitionKeys["calls"]
	}
	if call() != "1" || call() != "2" {
		t.Fatal("instance not reused")
	}
	// A caller whose context is already canceled stops the call; the
	// instance is discarded.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Transform(ctx, batchOf("x"))
	transformErr(t, err, ErrCanceled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not match context.Canceled", err)
	}
	if got := call(); got != "1" && got != "3" {
		t.Errorf("after a canceled call the instance had seen %s batches", got)
	}
	if n := len(m.pool.slots); n != 1 {
		t.Errorf("%d instances alive, want 1", n)
	}
}

func TestGuestProcessingFailedKeepsOriginalData(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "c_enrich", ModuleConfig{})
	resp, err := m.Transform(context.Background(), batchOf("fail"))
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Records[0]
	if got.Status != StatusProcessingFailed || got.ErrorMessage != "record said fail" || string(got.Data) != "fail" {
		t.Errorf("result %+v", got)
	}
}

// TestAllocGrowsMemory: the batch is written into the buffer sluice_alloc
// returned even when the allocation grew the guest's memory (the module
// traps unless the batch is at that pointer with the asked-for length).
func TestAllocGrowsMemory(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "allocgrow", ModuleConfig{Limits: Limits{Instances: 1}})
	for call := range 3 { // the same instance, a new page each time
		resp, err := m.Transform(context.Background(), batchOf("x", "y"))
		if err != nil {
			t.Fatalf("call %d: %v", call, err)
		}
		if len(resp.Records) != 2 || resp.Records[0].RecordID != "a" || resp.Records[1].RecordID != "b" {
			t.Fatalf("call %d: %+v", call, resp)
		}
	}
}

func TestTransformEmptyAndDuplicateBatch(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "c_identity", ModuleConfig{})
	resp, err := m.Transform(context.Background(), &Batch{})
	if err != nil || len(resp.Records) != 0 {
		t.Errorf("empty batch: %v, %v", resp, err)
	}
	b := batchOf("x", "y")
	b.Records[1].RecordID = "a"
	if _, err := m.Transform(context.Background(), b); !errors.Is(err, ErrInvalidBatch) {
		t.Errorf("duplicate ids: %v, want ErrInvalidBatch", err)
	}
}

func TestLoadErrors(t *testing.T) {
	r, _ := newTestRuntime(t, WithMaxMemoryBytes(8<<20))
	ctx := context.Background()
	if _, err := r.Load(ctx, Ref{Name: "x", Version: 1}, wasmFile(t, "c_identity"), ModuleConfig{Limits: Limits{MemoryBytes: 16 << 20}}); err == nil {
		t.Error("a memory limit above the runtime's ceiling was accepted")
	}
	if got := r.MaxMemoryBytes(); got != 8<<20 {
		t.Errorf("MaxMemoryBytes = %d, want the configured ceiling %d", got, 8<<20)
	}
	m, err := r.Load(ctx, Ref{Name: "x", Version: 1}, wasmFile(t, "c_identity"), ModuleConfig{Limits: Limits{MemoryBytes: r.MaxMemoryBytes(), Timeout: MaxTimeout}})
	if err != nil {
		t.Errorf("limits at the maxima: %v", err)
	} else if err := m.Close(ctx); err != nil {
		t.Error(err)
	}
	if _, err := r.Load(ctx, Ref{Name: "x", Version: 1}, wasmFile(t, "c_identity"), ModuleConfig{Limits: Limits{Timeout: MaxTimeout + time.Second}}); err == nil {
		t.Error("a timeout above MaxTimeout was accepted")
	}
	if _, err := r.Load(ctx, Ref{Name: "big", Version: 1}, wasmFile(t, "bigout"), ModuleConfig{Limits: Limits{MemoryBytes: 1 << 20}}); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("module needing 101 pages under a 1 MiB limit: %v", err)
	}
	if _, err := r.Load(ctx, Ref{}, wasmFile(t, "c_identity"), ModuleConfig{}); err == nil {
		t.Error("empty name accepted")
	}
	if _, err := r.Load(ctx, Ref{Name: "n", Version: 1}, wasmFile(t, "neither"), ModuleConfig{}); !errors.Is(err, ErrUnknownABI) {
		t.Errorf("neither: %v", err)
	}
}

func TestSDKModuleLogAndStdio(t *testing.T) {
	r, sink := newTestRuntime(t)
	for _, granted := range []bool{false, true} {
		m := load(t, r, "c_enrich", ModuleConfig{Grants: Grants{Log: granted}})
		if _, err := m.Transform(context.Background(), batchOf("nobucket/k")); err != nil {
			t.Fatal(err)
		}
		logged := sink.entries("lookup nobucket/k -> -2")
		if granted != (len(logged) == 1) {
			t.Fatalf("log granted=%v: %d entries", granted, len(logged))
		}
		if granted {
			e := logged[0]
			if e["module"] != "c_enrich" || e["version"] != float64(1) || e["level"] != "INFO" {
				t.Errorf("log entry %v", e)
			}
		}
	}
}
