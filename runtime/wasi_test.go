package runtime

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestWASICommand(t *testing.T) {
	r, sink := newTestRuntime(t)
	m := load(t, r, "wasi_upper", ModuleConfig{Grants: Grants{Env: map[string]string{"PARAM": "p1"}}})
	b := batchOf("hello", "drop", "fail", "wörld")
	resp, err := m.Transform(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Result{
		"a": {RecordID: "a", Status: StatusOk, Data: []byte("HELLO"), PartitionKeys: map[string]string{"param": "p1", "fs": "denied"}},
		"b": {RecordID: "b", Status: StatusDropped},
		"c": {RecordID: "c", Status: StatusProcessingFailed, Data: []byte("fail"), ErrorMessage: "record said fail"},
		"d": {RecordID: "d", Status: StatusOk, Data: []byte("WÖRLD"), PartitionKeys: map[string]string{"param": "p1", "fs": "denied"}},
	}
	for _, res := range resp.Records {
		if !reflect.DeepEqual(res, want[res.RecordID]) {
			t.Errorf("result %+v, want %+v", res, want[res.RecordID])
		}
	}
	if len(resp.Records) != len(want) {
		t.Errorf("%d results", len(resp.Records))
	}
	e := sink.entries("upper: answered 4 records")
	if len(e) != 1 || e[0]["module"] != "wasi_upper" || e[0]["stream"] != "stderr" {
		t.Errorf("stderr log entries %v", e)
	}
}

func TestWASICommandFailures(t *testing.T) {
	r, _ := newTestRuntime(t)
	for _, tc := range []struct {
		module string
		limits Limits
		kind   error
		reason string
	}{
		{"wasi_exit3", Limits{}, ErrExit, "exit status 3: fatal: config missing"},
		{"wasi_loop", Limits{Timeout: 300 * time.Millisecond}, ErrTimeout, "deadline exceeded after 300ms"},
		{"wasi_upper", Limits{MaxOutputBytes: 40}, ErrOutputTooLarge, "output of more than 40 bytes exceeds the cap of 40 bytes"},
	} {
		t.Run(tc.module, func(t *testing.T) {
			m := load(t, r, tc.module, ModuleConfig{Limits: tc.limits})
			_, err := m.Transform(context.Background(), batchOf("x"))
			te := transformErr(t, err, tc.kind)
			if te.Reason != tc.reason || te.Module != tc.module {
				t.Errorf("%+v, want reason %q", te, tc.reason)
			}
			if n := len(m.pool.slots); n != 0 {
				t.Errorf("%d slots still taken", n)
			}
		})
	}
}
