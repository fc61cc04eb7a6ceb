package delivery

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/sinks/keys"
)

// TestRecentWrites: Describe reports the last objects written and the last
// error records, bounded by RecentObjectsKept and RecentErrorsKept, each
// error record's data cut at RecentErrorDataBytes.
func TestRecentWrites(t *testing.T) {
	e := newEnv(t)
	def := folderDef("recent", t.TempDir())
	def.Destination.Prefix = "!{partitionKeyFromQuery:site}/"
	def.Destination.PartitionQueries = map[string]string{"site": ".site"}
	e.create(def)
	var recs [][]byte
	for i := range RecentErrorsKept + 10 {
		recs = append(recs, fmt.Appendf(nil, `{"n":%d}`, i)) // no site: partitioning fails
	}
	long := `{"pad":"` + strings.Repeat("x", 2*RecentErrorDataBytes) + `"}`
	recs = append(recs, []byte(long), []byte(`{"site":"a"}`))
	e.waitCheckpoint("recent", lastID(t, e.put("recent", recs)))

	st := e.status("recent")
	if len(st.RecentErrors) != RecentErrorsKept {
		t.Fatalf("%d recent error records, want the last %d of %d", len(st.RecentErrors), RecentErrorsKept, st.ErrorRecords)
	}
	last := st.RecentErrors[len(st.RecentErrors)-1]
	if last.OutputType != keys.PartitioningFailed || last.ErrorCode == "" || last.ErrorMessage == "" {
		t.Errorf("last error record %+v: want its type, code and reason", last)
	}
	if !last.Truncated || len(last.Data) != RecentErrorDataBytes || !strings.HasPrefix(string(last.Data), `{"pad":"xxx`) {
		t.Errorf("the long record: truncated %v, %d bytes", last.Truncated, len(last.Data))
	}
	if first := st.RecentErrors[0]; string(first.Data) != `{"n":11}` {
		t.Errorf("oldest kept error record %q, want record 11 (the first 11 dropped)", first.Data)
	}
	kinds := map[string]int{}
	for _, o := range st.RecentObjects {
		kinds[o.Kind] += o.Records
		if o.Key == "" || o.Bytes == 0 {
			t.Errorf("recent object %+v", o)
		}
	}
	if kinds[ObjectData] != 1 || kinds[ObjectError] != RecentErrorsKept+11 {
		t.Errorf("records in recent objects by kind %v, want 1 data and %d error", kinds, RecentErrorsKept+11)
	}
	if len(keepLast(make([]int, RecentObjectsKept), 1, RecentObjectsKept)) != RecentObjectsKept {
		t.Error("keepLast grows past its bound")
	}
}
