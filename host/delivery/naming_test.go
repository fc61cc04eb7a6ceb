package delivery

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// A record whose partition value makes a key no object can have goes to
// the error output with the reason; the rest of its batch and every later
// record are delivered (before, one such record stopped the checkpoint for
// good).
func TestBadPartitionValueDoesNotWedge(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	def := folderDef("sites", out)
	def.Buffering.IntervalSeconds = intp(1)
	def.Destination.Prefix = "!{partitionKeyFromQuery:site}/"
	def.Destination.PartitionQueries = map[string]string{"site": ".site"}
	e.create(def)
	bad := map[string]string{
		strings.Repeat("s", 300): "a segment longer than the file system's 255 bytes",
		strings.Repeat("p", 600): "a prefix longer than 512 bytes",
		".tmp-x":                 "a name like the folder's temporary files",
	}
	var recs [][]byte
	good := map[string]bool{}
	for i := range 20 {
		r := fmt.Appendf(nil, `{"site":"ok%d","n":%d}`, i%3, i)
		recs = append(recs, r)
		good[string(r)] = true
	}
	for site := range bad {
		recs = append(recs, fmt.Appendf(nil, `{"site":%q}`, site))
	}
	e.waitCheckpoint("sites", lastID(t, e.put("sites", recs)))
	// A later put is delivered too: nothing is wedged.
	later := []byte(`{"site":"ok0","n":"later"}`)
	good[string(later)] = true
	e.waitCheckpoint("sites", lastID(t, e.put("sites", [][]byte{later})))

	objs := objects(t, out)
	got := map[string]int{}
	for k, b := range objs {
		if !strings.HasPrefix(k, "errors/") {
			for _, l := range lines(b) {
				got[l]++
			}
		}
	}
	for r := range good {
		if got[r] != 1 {
			t.Errorf("record %s delivered %d times", r, got[r])
		}
	}
	if len(got) != len(good) {
		t.Errorf("%d distinct records delivered, want %d", len(got), len(good))
	}
	errs := errorLines(t, objs, "errors/partitioning-failed/")
	if len(errs) != len(bad) {
		t.Fatalf("%d records in the error output, want %d: %+v", len(errs), len(bad), errs)
	}
	for _, er := range errs {
		if er.ErrorCode != codeInvalidPrefix || !strings.Contains(er.ErrorMessage, "cannot be named") {
			t.Errorf("error record %+v: want code %s and the reason", er, codeInvalidPrefix)
		}
	}
	_, st, _ := e.m.Describe(context.Background(), "sites")
	if st.State != StatusActive || st.ErrorRecords != int64(len(bad)) {
		t.Errorf("status %+v: want ACTIVE with %d error records", st, len(bad))
	}
}

// A batch opens at most MaxActivePartitions partitions, as Firehose; the
// records that would open more go to the error output.
func TestActivePartitionLimit(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	def := folderDef("many", out)
	def.Buffering.IntervalSeconds = intp(5) // one batch
	def.Destination.Prefix = "!{partitionKeyFromQuery:k}/"
	def.Destination.PartitionQueries = map[string]string{"k": ".k"}
	e.create(def)
	const n = MaxActivePartitions + 100
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"k":"p%04d"}`, i)
	}
	e.waitCheckpoint("many", lastID(t, e.put("many", recs)))
	objs := objects(t, out)
	data := 0
	for k := range objs {
		if !strings.HasPrefix(k, "errors/") {
			data++
		}
	}
	errs := errorLines(t, objs, "errors/partitioning-failed/")
	if data != MaxActivePartitions || len(errs) != n-MaxActivePartitions {
		t.Fatalf("%d data objects and %d error records, want %d and %d", data, len(errs), MaxActivePartitions, n-MaxActivePartitions)
	}
	if errs[0].ErrorCode != codeActivePartitions {
		t.Fatalf("error code %s, want %s", errs[0].ErrorCode, codeActivePartitions)
	}
}
