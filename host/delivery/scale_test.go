package delivery

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/sinks/format"
)

// TestDirectPut100k sends 100,000 records by direct put through a WASM
// transform into Parquet with zstd in a folder, and checks every record is
// there exactly once, field by field (20,000 under -race or -short).
func TestDirectPut100k(t *testing.T) {
	n := 100_000
	if testing.Short() || raceEnabled {
		n = 20_000 // the full run is the default (non-race, non-short) test run
		t.Logf("-short or -race: %d records instead of 100,000", n)
	}
	e := newEnv(t)
	e.push("upper", "runtime/testdata/c_upper.wasm")
	out := t.TempDir()
	def := folderDef("big", out)
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(1)}
	def.Processor = &Processor{Module: "upper"}
	def.Format = format.Spec{Type: format.Parquet, Compression: format.Zstd, Schema: []format.Field{
		{Name: "ID", Type: format.TypeInt64, Required: true},
		{Name: "SITE", Type: format.TypeString, Required: true},
		{Name: "TEMP", Type: format.TypeDouble},
	}}
	e.create(def)
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"id":%d,"site":"site-%d","temp":%d.5}`, i, i%7, i%40)
	}
	start := time.Now()
	ids := e.put("big", recs)
	e.waitCheckpoint("big", lastID(t, ids))
	took := time.Since(start)
	t.Logf("%d records put and delivered in %s (%.0f records/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())

	type row struct {
		ID   int64    `parquet:"ID"`
		SITE string   `parquet:"SITE"`
		TEMP *float64 `parquet:"TEMP,optional"`
	}
	seen := make([]bool, n)
	objs := objects(t, out)
	for _, k := range sortedKeys(objs, "") {
		if !strings.HasSuffix(k, ".parquet") {
			t.Fatalf("unexpected object %s", k)
		}
		for _, r := range readParquet[row](t, objs[k]) {
			if r.ID < 0 || r.ID >= int64(n) || seen[r.ID] {
				t.Fatalf("row %+v out of range or repeated", r)
			}
			seen[r.ID] = true
			if r.SITE != fmt.Sprintf("SITE-%d", r.ID%7) || r.TEMP == nil || *r.TEMP != float64(r.ID%40)+0.5 {
				t.Fatalf("row %+v has wrong fields", r)
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("record %d missing", i)
		}
	}
}
