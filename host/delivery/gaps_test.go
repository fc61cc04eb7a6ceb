package delivery

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/sinks/keys"
)

// gapErrors reads the source-gap records of the error output under out.
func gapErrors(t *testing.T, out string) []errorRecord {
	t.Helper()
	return errorLines(t, objects(t, out), "errors/"+keys.SourceGap+"/")
}

// lost sums the lostRecords of gap records.
func lost(errs []errorRecord) uint64 {
	var n uint64
	for _, e := range errs {
		if e.LostRecords != nil {
			n += *e.LostRecords
		}
	}
	return n
}

// Records that age out of the source before they can be delivered are
// logged, counted and recorded in the error output with their range,
// whether or not records follow them; records put after are delivered.
func TestExpiredRecordsAreRecorded(t *testing.T) {
	for _, later := range []int{0, 20} {
		t.Run(map[int]string{0: "nothing after", 20: "records after"}[later], func(t *testing.T) {
			e := newEnvWith(t, func(c *Config) { c.DirectPutMaxAge = time.Second })
			ctx := context.Background()
			out := t.TempDir()
			e.create(folderDef("old", out))
			e.waitCheckpoint("old", lastID(t, e.put("old", numbered(10, `{"ok":%d}`))))

			// The destination goes away and the server restarts: the
			// records put now are not read (nothing can be written) and
			// age out meanwhile.
			unblock := block(t, out)
			e.restart()
			ids := e.put("old", numbered(50, `{"expired":%d}`))
			e.waitState("old", StatusFailed)
			s, err := e.js.JS.Stream(ctx, directStream("old"))
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the records to age out", func() bool {
				info, err := s.Info(ctx)
				return err == nil && info.State.Msgs == 0
			})
			var after [][]byte
			if later > 0 {
				after = numbered(later, `{"after":%d}`)
				ids = append(ids, e.put("old", after)...)
			}
			unblock()
			e.waitCheckpoint("old", lastID(t, ids))

			errs := gapErrors(t, out)
			if len(errs) != 1 || lost(errs) != 50 || errs[0].ErrorCode != codeRecordsExpired ||
				errs[0].FirstSequenceNumber != recordID(11) || errs[0].LastSequenceNumber != recordID(60) ||
				!strings.Contains(errs[0].ErrorMessage, "aged out") {
				t.Fatalf("gap records %+v: want one of 50 records, 11 to 60", errs)
			}
			got := countLines(objects(t, out))
			if len(got) != 10+later {
				t.Fatalf("%d records delivered, want %d", len(got), 10+later)
			}
			if st := e.status("old"); st.LostRecords != 50 || st.State != StatusActive {
				t.Fatalf("status %+v: want 50 lost records and ACTIVE", st)
			}
			if n := e.metric("sluice_delivery_source_lost_records_total", map[string]string{"delivery_stream": "old", "reason": lostExpired}); n != 50 {
				t.Fatalf("lost records metric %v, want 50", n)
			}
		})
	}
}

// A source stream deleted and created again under the same name is read
// from its start: the old checkpoint is not applied to the new stream's
// sequence numbers. (Before, of 150 records put to the new stream only 50
// were delivered, silently.)
func TestRecreatedSourceStreamIsReadFromItsStart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "src", 2); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("re", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "src", StartingPosition: streams.TrimHorizon}
	e.create(def)
	old := numbered(100, `{"old":%d}`)
	e.waitCheckpoint("re", e.putStream("src", old))
	if err := e.eng.DeleteStream(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.CreateStream(ctx, "src", 2); err != nil {
		t.Fatal(err)
	}
	fresh := numbered(150, `{"new":%d}`)
	e.putStream("src", fresh)
	// Applying the pipeline again (as the user did) changes nothing.
	if _, _, err := e.m.Apply(ctx, def); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every record of both streams", func() bool { return len(countLines(objects(t, out))) == 250 })
	checkOnce(t, countLines(objects(t, out)), append(old, fresh...))
	if errs := gapErrors(t, out); lost(errs) != 0 {
		t.Fatalf("gap records %+v: nothing was lost", errs)
	}
}

// Records of a deleted source that were never delivered are counted from
// the stream's tombstone and recorded in the error output, also when the
// delete (and a new stream of the same name) happened while the delivery
// stream was not running.
func TestDeletedSourceRecordsAreRecorded(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "src", 2); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("del", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "src", StartingPosition: streams.TrimHorizon}
	e.create(def)
	e.waitCheckpoint("del", e.putStream("src", numbered(100, `{"old":%d}`)))
	if err := e.m.Close(); err != nil { // the delivery stream stops; the data stream goes on
		t.Fatal(err)
	}
	e.putStream("src", numbered(40, `{"undelivered":%d}`))
	if err := e.eng.DeleteStream(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	e.restart()
	// The source is gone: FAILED, the loss recorded.
	st := e.waitState("del", StatusFailed)
	if !strings.Contains(st.LastError, "does not exist") {
		t.Fatalf("last error %q", st.LastError)
	}
	waitFor(t, "the loss to be recorded", func() bool { return lost(gapErrors(t, out)) == 40 })
	errs := gapErrors(t, out)
	if len(errs) != 1 || errs[0].ErrorCode != codeStreamDeleted || errs[0].FirstSequenceNumber != recordID(101) ||
		errs[0].LastSequenceNumber != recordID(140) || errs[0].SourceStream != "src" {
		t.Fatalf("gap records %+v", errs)
	}
	if n := e.metric("sluice_delivery_source_lost_records_total", map[string]string{"delivery_stream": "del", "reason": lostDeleted}); n != 40 {
		t.Fatalf("lost records metric %v, want 40", n)
	}
	// A new stream of that name is read from its start.
	if err := e.eng.CreateStream(ctx, "src", 1); err != nil {
		t.Fatal(err)
	}
	fresh := numbered(30, `{"new":%d}`)
	e.putStream("src", fresh)
	waitFor(t, "the new stream's records", func() bool {
		st := e.status("del")
		t.Logf("%+v %d", st, len(countLines(objects(t, out))))
		return len(countLines(objects(t, out))) == 130
	})
	if lost(gapErrors(t, out)) != 40 {
		t.Fatal("the loss was recorded again")
	}
	e.waitState("del", StatusActive)
}

// Every batch of a stream created again under the same name is named with
// the new source generation, not only the first one, and the position
// keeps the generation. (Before, the batches after the first lost it: their
// objects were named as the old stream's, and the position forgot it.)
func TestRecreatedSourceKeepsItsGeneration(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "src", 1); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("gen", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "src", StartingPosition: streams.TrimHorizon}
	e.create(def)
	e.waitCheckpoint("gen", e.putStream("src", numbered(10, `{"old":%d}`)))
	if err := e.eng.DeleteStream(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.CreateStream(ctx, "src", 1); err != nil {
		t.Fatal(err)
	}
	for round := range 3 { // three batches of the new stream
		e.putStream("src", numbered(10, fmt.Sprintf(`{"new":%d,"n":%%d}`, round)))
		want := 10 + 10*(round+1)
		waitFor(t, fmt.Sprintf("%d records", want), func() bool { return len(countLines(objects(t, out))) == want })
	}
	for k, b := range objects(t, out) {
		if strings.HasPrefix(k, "errors/") {
			continue
		}
		fresh := strings.Contains(string(b), `"new"`)
		if named := strings.Contains(k, "-s1."); fresh != named {
			t.Errorf("object %s (of the new stream: %v) is named with generation 1: %v", k, fresh, named)
		}
	}
	pos, err := e.m.store.getPos(ctx, "gen")
	if err != nil {
		t.Fatal(err)
	}
	if pos.SourceGen != 1 {
		t.Fatalf("position %+v: the source generation is %d, want 1", pos, pos.SourceGen)
	}
}
