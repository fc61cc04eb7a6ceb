package delivery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/s3test"
	"github.com/sluice-io/sluice/sinks/keys"
)

// With its module gone a delivery stream is FAILED with the reason, and its
// freshness is the age of the records waiting, though no batch can even
// start. (Before, freshness read 0 and the state ACTIVE.)
func TestStatusWhileModuleMissing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.push("upper", "runtime/testdata/c_upper.wasm")
	out := t.TempDir()
	def := folderDef("nomod", out)
	def.Processor = &Processor{Module: "upper"}
	e.create(def)
	if _, err := e.reg.Remove(ctx, "upper"); err != nil {
		t.Fatal(err)
	}
	e.restart() // the module is loaded when a pipeline starts
	ids := e.put("nomod", numbered(50, `{"n":%d}`))
	st := e.waitState("nomod", StatusFailed)
	if !strings.Contains(st.LastError, "upper") || st.FailingSince.IsZero() {
		t.Fatalf("status %+v: want the missing module as the reason", st)
	}
	labels := map[string]string{"delivery_stream": "nomod"}
	waitFor(t, "freshness to show the waiting records", func() bool {
		return e.status("nomod").OldestUndeliveredAge >= time.Second &&
			e.metric("sluice_delivery_data_freshness_seconds", labels) >= 1
	})
	if v := e.metric("sluice_delivery_state", map[string]string{"delivery_stream": "nomod", "state": StatusFailed}); v != 1 {
		t.Fatalf("state metric FAILED = %v, want 1", v)
	}
	if f := e.m.Failing(); len(f) != 1 || f[0].Name != "nomod" || f[0].State != StatusFailed || f[0].Reason == "" {
		t.Fatalf("Failing() = %+v", f)
	}
	// The module comes back: delivery goes on, the state and the
	// freshness follow.
	e.push("upper", "runtime/testdata/c_upper.wasm")
	e.waitCheckpoint("nomod", lastID(t, ids))
	e.waitState("nomod", StatusActive)
	waitFor(t, "freshness back to 0", func() bool {
		return e.status("nomod").OldestUndeliveredAge == 0 && e.metric("sluice_delivery_data_freshness_seconds", labels) == 0
	})
	if v := e.metric("sluice_delivery_state", map[string]string{"delivery_stream": "nomod", "state": StatusActive}); v != 1 {
		t.Fatalf("state metric ACTIVE = %v, want 1", v)
	}
	if len(e.m.Failing()) != 0 {
		t.Fatalf("still failing: %+v", e.m.Failing())
	}
}

// A destination that is down shows RETRYING while the records wait, and
// ACTIVE again once they are delivered.
func TestStatusWhileDestinationDown(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	e.create(folderDef("down", out))
	e.waitCheckpoint("down", lastID(t, e.put("down", numbered(10, `{"n":%d}`))))
	unblock := block(t, out)
	ids := e.put("down", numbered(10, `{"m":%d}`))
	st := e.waitState("down", StatusRetrying)
	if !strings.Contains(st.LastError, "write") {
		t.Fatalf("status %+v: want the failed write as the reason", st)
	}
	unblock()
	e.waitCheckpoint("down", lastID(t, ids))
	if st := e.waitState("down", StatusActive); st.LastError == "" || !st.FailingSince.IsZero() {
		t.Fatalf("status %+v: want ACTIVE, the last error kept as history", st)
	}
}

// An object the destination refuses for good (here a key segment longer
// than the S3 server's file system takes) is not retried: its records go
// to the error output as delivery-failed with S3's error code, and the
// rest of the batch is delivered.
func TestRefusedObjectGoesToErrorOutput(t *testing.T) {
	srv := s3test.Start(t)
	e := newEnv(t)
	def := s3Def("refused", srv, nil)
	def.Buffering.IntervalSeconds = intp(1)
	def.Destination.Prefix = "!{partitionKeyFromQuery:site}/"
	def.Destination.PartitionQueries = map[string]string{"site": ".site"}
	e.create(def)
	long := strings.Repeat("s", 300)
	recs := [][]byte{[]byte(`{"site":"a"}`), fmt.Appendf(nil, `{"site":%q}`, long), []byte(`{"site":"b"}`)}
	e.waitCheckpoint("refused", lastID(t, e.put("refused", recs)))
	var data, failed []string
	for _, k := range srv.List("") {
		if strings.HasPrefix(k, "errors/"+keys.DeliveryFailed+"/") {
			failed = append(failed, lines(srv.Get(k))...)
		} else if !strings.HasPrefix(k, "errors/") {
			data = append(data, lines(srv.Get(k))...)
		}
	}
	if len(data) != 2 || len(failed) != 1 {
		t.Fatalf("%d records delivered and %d in delivery-failed, want 2 and 1", len(data), len(failed))
	}
	if !strings.Contains(failed[0], `"errorCode":"S3.KeyTooLongError"`) {
		t.Fatalf("error record %s: want S3's code", failed[0])
	}
	if st := e.status("refused"); st.State != StatusActive || st.ErrorRecords != 1 {
		t.Fatalf("status %+v", st)
	}
}

// When even the error output cannot be written, nothing can be delivered:
// the delivery stream is FAILED with the reason (not retried blindly, not
// wedged silently), keeps its records, and delivers them once the store
// takes them again.
func TestUnwritableErrorOutputFails(t *testing.T) {
	srv := s3test.Start(t)
	e := newEnv(t)
	e.create(s3Def("nobucket", srv, nil))
	recs := numbered(20, `{"n":%d}`)
	e.waitCheckpoint("nobucket", lastID(t, e.put("nobucket", recs[:10])))
	// The bucket goes away: every object, data and errors alike, is
	// refused for good (NoSuchBucket).
	bucket := filepath.Join(srv.Dir, srv.Bucket)
	if err := os.Rename(bucket, bucket+".gone"); err != nil {
		t.Fatal(err)
	}
	ids := e.put("nobucket", recs[10:])
	st := e.waitState("nobucket", StatusFailed)
	if !strings.Contains(st.LastError, "NoSuchBucket") || !strings.Contains(st.LastError, "error output") {
		t.Fatalf("status %+v: want the error output's NoSuchBucket as the reason", st)
	}
	if v := e.metric("sluice_delivery_state", map[string]string{"delivery_stream": "nobucket", "state": StatusFailed}); v != 1 {
		t.Fatalf("state metric FAILED = %v", v)
	}
	if err := os.Rename(bucket+".gone", bucket); err != nil {
		t.Fatal(err)
	}
	e.waitCheckpoint("nobucket", lastID(t, ids))
	got := map[string]int{}
	for _, k := range srv.List("") {
		if strings.HasPrefix(k, "errors/") {
			t.Fatalf("error object %s: nothing failed for good", k)
		}
		for _, l := range lines(srv.Get(k)) {
			got[l]++
		}
	}
	checkOnce(t, got, recs)
	e.waitState("nobucket", StatusActive)
}
