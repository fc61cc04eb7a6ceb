package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/kpl"
	"github.com/sluice-io/sluice/host/streams"
)

// upperASCII upper-cases a-z as c_meta does.
func upperASCII(b []byte) []byte {
	out := bytes.Clone(b)
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 32
		}
	}
	return out
}

// metaLine is what c_meta answers for a record.
func metaLine(id, pk string, sub int64, data []byte) string {
	return fmt.Sprintf("%s|%s|%d|%s", id, pk, sub, upperASCII(data))
}

// aggregate builds a KPL aggregated record with the protobuf library.
func aggregate(t *testing.T, users ...kpl.UserRecord) []byte {
	t.Helper()
	b, err := kpl.Aggregate(users)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// putKeyed puts records with their own partition keys to a data stream
// in one request and returns each one's JetStream sequence.
func (e *env) putKeyed(stream string, recs []streams.Record) []uint64 {
	e.t.Helper()
	res, err := e.eng.PutRecords(context.Background(), stream, recs)
	if err != nil {
		e.t.Fatal(err)
	}
	seqs := make([]uint64, len(res))
	for i, r := range res {
		if r.Err != nil {
			e.t.Fatal(r.Err)
		}
		if seqs[i], err = strconv.ParseUint(r.SequenceNumber, 10, 64); err != nil {
			e.t.Fatal(err)
		}
	}
	return seqs
}

// objectRange reads the source range from an object's name
// (<stream>-<version>-<time>-<first>-<last><ext>).
func objectRange(t *testing.T, key string) (uint64, uint64) {
	t.Helper()
	name := key[strings.LastIndex(key, "/")+1:]
	name = name[:strings.IndexByte(name, '.')]
	parts := strings.Split(name, "-")
	first, err1 := strconv.ParseUint(parts[len(parts)-2], 10, 64)
	last, err2 := strconv.ParseUint(parts[len(parts)-1], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("object %s: %v %v", key, err1, err2)
	}
	return first, last
}

// dataInOrder concatenates the data objects (those outside errors/ and
// backup/) in source order.
func dataInOrder(t *testing.T, objs map[string][]byte) []byte {
	t.Helper()
	var ks []string
	for k := range objs {
		if !strings.HasPrefix(k, "errors/") && !strings.HasPrefix(k, "backup/") {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, func(a, b string) int {
		fa, _ := objectRange(t, a)
		fb, _ := objectRange(t, b)
		return int(fa) - int(fb)
	})
	var out []byte
	for _, k := range ks {
		out = append(out, objs[k]...)
	}
	return out
}

// KPL aggregates read from a data stream reach the transform as the
// records the producer put, each with its own partition key and a
// subsequence number; anything that is not a well-formed aggregate (a
// corrupt MD5, a truncated one, a plain record) passes as one record.
func TestKPLAggregatesThroughTransform(t *testing.T) {
	e := newEnv(t)
	e.push("meta", "runtime/testdata/c_meta.wasm")
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "kpl", 2); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("agg", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "kpl", StartingPosition: streams.TrimHorizon}
	def.Processor = &Processor{Module: "meta"}
	e.create(def)

	first := []kpl.UserRecord{
		{PartitionKey: "alpha", Data: []byte(`{"n":0}`)},
		{PartitionKey: "beta", ExplicitHashKey: "170141183460469231731687303715884105728", Data: []byte(`{"n":1}`)},
		{PartitionKey: "gamma", Data: []byte(`{"n":2}`)},
	}
	second := []kpl.UserRecord{
		{PartitionKey: "alpha", Data: []byte(`{"n":3}`)},
		{PartitionKey: "delta", ExplicitHashKey: "1", Data: []byte(`{"n":4}`)},
	}
	corrupt := aggregate(t, kpl.UserRecord{PartitionKey: "lost", Data: []byte("corrupt md5")})
	corrupt[len(corrupt)-1] ^= 0xFF
	truncated := aggregate(t, kpl.UserRecord{PartitionKey: "lost", Data: []byte("truncated")})
	truncated = truncated[:len(truncated)-3]
	src := []streams.Record{
		{PartitionKey: "container-1", Data: aggregate(t, first...)},
		{PartitionKey: "container-2", Data: aggregate(t, second...)},
		{PartitionKey: "corrupt", Data: corrupt},
		{PartitionKey: "truncated", Data: truncated},
		{PartitionKey: "plain", Data: []byte("a plain record")},
	}
	seqs := e.putKeyed("kpl", src)
	e.waitCheckpoint("agg", slices.Max(seqs))

	// What the transform saw, in source order (the objects may hold
	// binary data: they are compared whole, not line by line).
	type rec struct {
		seq  uint64
		line string
	}
	var want []rec
	for i, users := range [][]kpl.UserRecord{first, second} {
		for j, u := range users {
			want = append(want, rec{seqs[i], metaLine(fmt.Sprintf("%d.%d", seqs[i], j), u.PartitionKey, int64(j), u.Data)})
		}
	}
	for i := 2; i < len(src); i++ {
		want = append(want, rec{seqs[i], metaLine(strconv.FormatUint(seqs[i], 10), src[i].PartitionKey, 0, src[i].Data)})
	}
	slices.SortStableFunc(want, func(a, b rec) int { return int(a.seq) - int(b.seq) })
	var wantData []byte
	for _, w := range want {
		wantData = append(append(wantData, w.line...), '\n')
	}
	objs := objects(t, out)
	if got := dataInOrder(t, objs); !bytes.Equal(got, wantData) {
		t.Fatalf("delivered\n%q\nwant\n%q", got, wantData)
	}
	if ks := sortedKeys(objs, "errors/"); len(ks) > 0 {
		t.Fatalf("error output %v, want none", ks)
	}
	st := e.status("agg")
	if st.IncomingRecords != int64(len(src)) || st.DeaggregatedRecords != int64(len(want)) || st.DeliveredRecords != int64(len(want)) {
		t.Fatalf("status: incoming %d, deaggregated %d, delivered %d; want %d, %d, %d",
			st.IncomingRecords, st.DeaggregatedRecords, st.DeliveredRecords, len(src), len(want), len(want))
	}
	if got := e.metric("sluice_delivery_deaggregated_records_total", map[string]string{"delivery_stream": "agg"}); got != float64(len(want)) {
		t.Fatalf("deaggregated records metric %v, want %d", got, len(want))
	}
}

// A batch of aggregates replayed after a crash (its intent left behind,
// its objects gone) is made of the same records again, by the record
// processors of the definition version that made it: the same data,
// backup and error objects, under the same names.
func TestKPLReplayMakesTheSameObjects(t *testing.T) {
	e := newEnv(t)
	e.push("meta", "runtime/testdata/c_meta.wasm")
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "kpl", 3); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("again", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "kpl", StartingPosition: streams.TrimHorizon}
	def.Buffering.IntervalSeconds = intp(2) // one batch for the one put
	def.Processors = []RecordProcessor{{Type: ProcDeaggregation, SubRecordType: SubRecordJSON}}
	def.Processor = &Processor{Module: "meta"}
	def.Backup = &Backup{}
	def.Destination.Prefix = "data/"
	e.create(def)

	var src []streams.Record
	var wantBackup []byte
	for c := range 6 {
		var users []kpl.UserRecord
		for u := range 4 {
			data := fmt.Appendf(nil, `{"c":%d,"u":%d,"i":0}`+"\n"+`{"c":%d,"u":%d,"i":1}`, c, u, c, u)
			if u == 2 {
				data = fmt.Appendf(nil, "sub-record %d of %d is not JSON", u, c)
			}
			users = append(users, kpl.UserRecord{PartitionKey: fmt.Sprintf("key-%d-%d", c, u), Data: data})
			wantBackup = append(append(wantBackup, data...), '\n')
		}
		src = append(src, streams.Record{PartitionKey: fmt.Sprintf("c%d", c), Data: aggregate(t, users...)})
	}
	seqs := e.putKeyed("kpl", src)
	from, to := slices.Min(seqs), slices.Max(seqs)
	e.waitCheckpoint("again", to)
	before := objects(t, out)
	if f, l := lastBatchRange(t, before); f != from || l != to {
		t.Fatalf("the records were delivered in more than one batch (last %d..%d, want %d..%d)", f, l, from, to)
	}
	// 6 containers x 4 user records: 3 of each split in 2, 1 failed.
	if n := len(lines(dataInOrder(t, before))); n != 6*3*2 {
		t.Fatalf("%d records delivered, want %d", n, 6*3*2)
	}
	failed := errorLines(t, before, "errors/processing-failed/")
	if len(failed) != 6 {
		t.Fatalf("%d records in the error output, want 6", len(failed))
	}
	for _, f := range failed {
		if f.ErrorCode != codeDeaggregationBad || f.SubSequenceNumber == nil || *f.SubSequenceNumber != 2 ||
			!strings.HasSuffix(string(f.RawData), "is not JSON") || f.LambdaArn != "" {
			t.Fatalf("error record %+v (subsequence %v)", f, f.SubSequenceNumber)
		}
	}
	if got := objectsUnder(before, "backup/"); !bytes.Equal(got, wantBackup) {
		t.Fatalf("the backup holds\n%s\nwant the user records\n%s", got, wantBackup)
	}

	// A crash between writing the batch and acknowledging it: the intent
	// is left, the objects are lost (removed here, so that the replay
	// must make them again rather than find them).
	pos, err := e.m.store.getPos(ctx, "again")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	pos.Checkpoint, pos.Intent = from-1, &intent{First: from, Last: to, Version: 1, Module: "meta@1"}
	if err := e.m.store.putPos(ctx, "again", pos); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if err := os.RemoveAll(filepath.Join(out, en.Name())); err != nil {
			t.Fatal(err)
		}
	}
	// The folder cannot be written when the server comes back, so the
	// definition changes (no more RecordDeAggregation) before the replay
	// can happen: the batch is still made as version 1 made it.
	if err := os.Mkdir(filepath.Join(out, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	unblock := block(t, filepath.Join(out, "data"))
	e.restart()
	waitFor(t, "the replay to fail", func() bool { return e.status("again").Failing() })
	def.Processors = nil
	if _, changed, err := e.m.Apply(ctx, def); err != nil || !changed {
		t.Fatalf("apply: changed %v, %v", changed, err)
	}
	unblock()
	if err := os.Remove(filepath.Join(out, "data.blocker")); err != nil {
		t.Fatal(err)
	}
	e.waitCheckpoint("again", to)
	after := objects(t, out)
	if len(after) != len(before) {
		t.Fatalf("%d objects after the replay, %d before:\n%v\n%v", len(after), len(before), sortedKeys(after, ""), sortedKeys(before, ""))
	}
	for k, b := range before {
		a, ok := after[k]
		if !ok {
			t.Fatalf("object %s was not made again", k)
		}
		if strings.HasPrefix(k, "errors/") {
			a, b = withoutAttemptTimes(t, a), withoutAttemptTimes(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("object %s differs after the replay:\n%s\nwas\n%s", k, a, b)
		}
	}
}

// lastBatchRange is the range of the newest data object.
func lastBatchRange(t *testing.T, objs map[string][]byte) (uint64, uint64) {
	t.Helper()
	var first, last uint64
	for k := range objs {
		if strings.HasPrefix(k, "errors/") || strings.HasPrefix(k, "backup/") {
			continue
		}
		if f, l := objectRange(t, k); f >= first {
			first, last = f, l
		}
	}
	return first, last
}

func objectsUnder(objs map[string][]byte, prefix string) []byte {
	var out []byte
	for _, k := range sortedKeys(objs, prefix) {
		out = append(out, objs[k]...)
	}
	return out
}

// withoutAttemptTimes drops the attemptEndingTimestamp of error lines (the
// time of the attempt, the one field a replay changes).
func withoutAttemptTimes(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for _, l := range lines(b) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "attemptEndingTimestamp")
		line, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, line...), '\n')
	}
	return out
}
