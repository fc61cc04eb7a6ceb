package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/sinks/format"
)

// readParquet reads every row of a Parquet object as T.
func readParquet[T any](t *testing.T, b []byte) []T {
	t.Helper()
	rows, err := parquet.Read[T](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read parquet: %v", err)
	}
	return rows
}

// errorLines decodes the error output objects under prefix.
func errorLines(t *testing.T, objs map[string][]byte, prefix string) []errorRecord {
	t.Helper()
	var out []errorRecord
	for _, k := range sortedKeys(objs, prefix) {
		for _, l := range lines(objs[k]) {
			var e errorRecord
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatalf("error line %s: %v", l, err)
			}
			out = append(out, e)
		}
	}
	return out
}

func lastID(t *testing.T, ids []string) uint64 {
	n, err := strconv.ParseUint(ids[len(ids)-1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTransformToParquetZstd(t *testing.T) {
	e := newEnv(t)
	e.push("upper", "runtime/testdata/c_upper.wasm")
	out := t.TempDir()
	def := folderDef("up", out)
	def.Processor = &Processor{Module: "upper", BatchRecords: 100}
	def.Format = format.Spec{Type: format.Parquet, Compression: format.Zstd, Schema: []format.Field{
		{Name: "NAME", Type: format.TypeString, Required: true},
		{Name: "N", Type: format.TypeInt64},
	}}
	e.create(def)
	var recs [][]byte
	for i := range 1000 {
		recs = append(recs, fmt.Appendf(nil, `{"name":"rec-%d","n":%d}`, i, i))
	}
	e.waitCheckpoint("up", lastID(t, e.put("up", recs)))

	type row struct {
		NAME string `parquet:"NAME"`
		N    *int64 `parquet:"N,optional"`
	}
	objs := objects(t, out)
	var got []row
	for _, k := range sortedKeys(objs, "") {
		if !strings.HasSuffix(k, ".parquet") {
			t.Fatalf("object %s is not .parquet", k)
		}
		got = append(got, readParquet[row](t, objs[k])...)
	}
	if len(got) != len(recs) {
		t.Fatalf("%d rows, want %d", len(got), len(recs))
	}
	for i, r := range got {
		if r.NAME != fmt.Sprintf("REC-%d", i) || r.N == nil || *r.N != int64(i) {
			t.Fatalf("row %d = %+v", i, r)
		}
	}
	if v := counterValue(t, e, "sluice_delivery_transform_records_total", "ok"); v != 1000 {
		t.Fatalf("transform ok = %v", v)
	}
}

// counterValue sums a metric's series that carry the given label value.
func counterValue(t *testing.T, e *env, name, label string) float64 {
	t.Helper()
	mfs, err := e.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					match = true
				}
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func TestDataStreamSourceKeepsShardOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "events", 4); err != nil {
		t.Fatal(err)
	}
	// Records put before the delivery stream exists are read from TRIM_HORIZON.
	putEvents := func(from, to int) {
		var batch []streams.Record
		for i := from; i < to; i++ {
			key := fmt.Sprintf("dev-%d", i%16)
			batch = append(batch, streams.Record{PartitionKey: key, Data: fmt.Appendf(nil, `{"key":%q,"n":%d}`, key, i)})
			if len(batch) == 500 || i == to-1 {
				res, err := e.eng.PutRecords(ctx, "events", batch)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					if r.Err != nil {
						t.Fatal(r.Err)
					}
				}
				batch = nil
			}
		}
	}
	putEvents(0, 1000)
	out := t.TempDir()
	def := folderDef("ev", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "events", StartingPosition: streams.TrimHorizon}
	def.Format = format.Spec{Type: format.Parquet, Compression: format.Snappy, Schema: []format.Field{
		{Name: "key", Type: format.TypeString}, {Name: "n", Type: format.TypeInt32},
	}}
	e.create(def)
	putEvents(1000, 2000)
	jsName, _ := streams.SourceStream("events")
	s, err := e.js.JS.Stream(ctx, jsName)
	if err != nil {
		t.Fatal(err)
	}
	e.waitCheckpoint("ev", s.CachedInfo().State.LastSeq)

	type row struct {
		Key string `parquet:"key,optional"`
		N   int32  `parquet:"n,optional"`
	}
	objs := objects(t, out)
	lastByKey := map[string]int32{}
	seen := map[int32]bool{}
	for _, k := range sortedKeys(objs, "") {
		for _, r := range readParquet[row](t, objs[k]) {
			if prev, ok := lastByKey[r.Key]; ok && r.N <= prev {
				t.Fatalf("key %s: %d after %d: order broken", r.Key, r.N, prev)
			}
			lastByKey[r.Key] = r.N
			if seen[r.N] {
				t.Fatalf("record %d delivered twice", r.N)
			}
			seen[r.N] = true
		}
	}
	if len(seen) != 2000 {
		t.Fatalf("delivered %d records, want 2000", len(seen))
	}

	// LATEST skips what is already there.
	out2 := t.TempDir()
	late := folderDef("late", out2)
	late.Source = Source{Kind: SourceDataStream, Stream: "events"}
	e.create(late)
	putEvents(5000, 5010)
	s, _ = e.js.JS.Stream(ctx, jsName)
	e.waitCheckpoint("late", s.CachedInfo().State.LastSeq)
	n := 0
	for _, b := range objects(t, out2) {
		n += len(lines(b))
	}
	if n != 10 {
		t.Fatalf("LATEST delivered %d records, want 10", n)
	}
}

func TestProcessorResultsAndErrorOutput(t *testing.T) {
	e := newEnv(t)
	e.push("partition", "transforms/partition/partition.wasm")
	e.push("filter", "transforms/filter/filter.wasm")
	e.push("trap", "runtime/testdata/trap.wasm")

	// partition: Lambda keys; a record without the field fails.
	out := t.TempDir()
	def := folderDef("part", out)
	def.Processor = &Processor{Module: "partition", Parameters: map[string]string{"KEYS": "site:site"}}
	def.Destination.Prefix = "site=!{partitionKeyFromLambda:site}/"
	e.create(def)
	recs := [][]byte{
		[]byte(`{"site":"berlin","v":1}`), []byte(`{"site":"paris","v":2}`),
		[]byte(`{"v":3}`), []byte(`{"site":"berlin","v":4}`),
	}
	e.waitCheckpoint("part", lastID(t, e.put("part", recs)))
	objs := objects(t, out)
	var berlin []string
	for _, k := range sortedKeys(objs, "site=berlin/") {
		berlin = append(berlin, lines(objs[k])...)
	}
	if strings.Join(berlin, ",") != `{"site":"berlin","v":1},{"site":"berlin","v":4}` {
		t.Fatalf("berlin records %v", berlin)
	}
	if p := sortedKeys(objs, "site=paris/"); len(p) != 1 {
		t.Fatalf("paris objects %v", p)
	}
	errs := errorLines(t, objs, "errors/processing-failed/")
	if len(errs) != 1 || string(errs[0].RawData) != `{"v":3}` || errs[0].ErrorCode != codeProcessingFailed ||
		!strings.Contains(errs[0].ErrorMessage, "site") || !strings.HasPrefix(errs[0].LambdaArn, "arn:aws:lambda:") {
		t.Fatalf("error output %+v", errs)
	}

	// filter: Dropped records are counted, not delivered.
	out = t.TempDir()
	def = folderDef("filt", out)
	def.Processor = &Processor{Module: "filter", Parameters: map[string]string{"FIELD": "v", "OP": "gt", "VALUE": "2"}}
	e.create(def)
	e.waitCheckpoint("filt", lastID(t, e.put("filt", recs)))
	var kept []string
	for _, b := range objects(t, out) {
		kept = append(kept, lines(b)...)
	}
	_, st, _ := e.m.Describe(context.Background(), "filt")
	if len(kept) != 2 || st.DroppedRecords != 2 {
		t.Fatalf("filter kept %v, dropped %d", kept, st.DroppedRecords)
	}

	// trap: the invocation is retried, then the batch goes whole to the
	// error output with the attempts made.
	out = t.TempDir()
	def = folderDef("trap", out)
	def.Processor = &Processor{Module: "trap", Retries: intp(2)}
	e.create(def)
	e.waitCheckpoint("trap", lastID(t, e.put("trap", recs)))
	objs = objects(t, out)
	errs = errorLines(t, objs, "errors/processing-failed/")
	if len(errs) != len(recs) || len(sortedKeys(objs, "errors/")) != len(objs) {
		t.Fatalf("trap: %d error records in %v", len(errs), sortedKeys(objs, ""))
	}
	for i, er := range errs {
		if er.AttemptsMade != 3 || er.ErrorCode != codeFunctionError || !strings.Contains(er.ErrorMessage, "trap") ||
			string(er.RawData) != string(recs[i]) || er.ArrivalTimestamp == 0 {
			t.Fatalf("trap error record %d: %+v", i, er)
		}
	}
	// Each failed batch: 3 failed invocations, 2 of them retries.
	retries := counterValue(t, e, "sluice_delivery_transform_retries_total", "trap")
	failures := counterValue(t, e, "sluice_delivery_transform_invocations_total", "failure")
	if retries == 0 || retries*3 != failures*2 {
		t.Fatalf("retries %v, failed invocations %v", retries, failures)
	}
}

func TestFormatConversionFailed(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	def := folderDef("conv", out)
	def.Format = format.Spec{Type: format.Parquet, Schema: []format.Field{{Name: "n", Type: format.TypeInt64, Required: true}}}
	e.create(def)
	recs := [][]byte{[]byte(`{"n":1}`), []byte(`{"n":"one"}`), []byte(`not json`), []byte(`{"n":4}`)}
	e.waitCheckpoint("conv", lastID(t, e.put("conv", recs)))
	objs := objects(t, out)
	type row struct {
		N int64 `parquet:"n"`
	}
	var got []int64
	for _, k := range sortedKeys(objs, "") {
		if strings.HasPrefix(k, "errors/") {
			continue
		}
		for _, r := range readParquet[row](t, objs[k]) {
			got = append(got, r.N)
		}
	}
	if fmt.Sprint(got) != "[1 4]" {
		t.Fatalf("rows %v", got)
	}
	errs := errorLines(t, objs, "errors/format-conversion-failed/")
	if len(errs) != 2 || errs[0].ErrorCode != codeSchemaMismatch || errs[1].ErrorCode != codeMalformedData ||
		string(errs[0].RawData) != `{"n":"one"}` || errs[0].ErrorMessage == "" {
		t.Fatalf("errors %+v", errs)
	}
}

func TestPartitionByQuery(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	def := folderDef("q", out)
	def.Buffering.IntervalSeconds = intp(1) // one batch: one object per partition
	def.Destination.Prefix = "!{partitionKeyFromQuery:site}/!{partitionKeyFromQuery:year}/"
	def.Destination.PartitionQueries = map[string]string{"site": ".meta.site", "year": ".ts[0:4]"}
	e.create(def)
	recs := [][]byte{
		[]byte(`{"meta":{"site":"a"},"ts":"2024-01-01"}`),
		[]byte(`{"meta":{"site":"b"},"ts":"2024-01-01"}`),
		[]byte(`{"meta":{"site":"a"},"ts":"2025-01-01"}`),
		[]byte(`{"meta":{"site":"a"},"ts":"2024-02-02"}`),
		[]byte(`{"ts":"2024-02-02"}`),
	}
	e.waitCheckpoint("q", lastID(t, e.put("q", recs)))
	objs := objects(t, out)
	want := map[string]int{"a/2024/": 2, "b/2024/": 1, "a/2025/": 1}
	for prefix, n := range want {
		ks := sortedKeys(objs, prefix)
		if len(ks) != 1 || len(lines(objs[ks[0]])) != n {
			t.Fatalf("%s: objects %v", prefix, ks)
		}
	}
	errs := errorLines(t, objs, "errors/partitioning-failed/")
	if len(errs) != 1 || string(errs[0].RawData) != `{"ts":"2024-02-02"}` {
		t.Fatalf("partitioning errors %+v", errs)
	}
}
