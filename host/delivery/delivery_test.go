package delivery

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/s3test"
	"github.com/sluice-io/sluice/sinks/format"
)

// countLines counts each JSON line in every data object (not errors/ or
// backup/) of a key -> body map.
func countLines(objs map[string][]byte) map[string]int {
	n := map[string]int{}
	for k, b := range objs {
		if strings.HasPrefix(k, "errors/") || strings.HasPrefix(k, "backup/") {
			continue
		}
		for _, l := range lines(b) {
			n[l]++
		}
	}
	return n
}

// checkOnce fails unless every record of recs appears exactly once.
func checkOnce(t *testing.T, got map[string]int, recs [][]byte) {
	t.Helper()
	if len(got) != len(recs) {
		t.Fatalf("%d distinct records delivered, want %d", len(got), len(recs))
	}
	for _, r := range recs {
		if c := got[string(r)]; c != 1 {
			t.Fatalf("record %s delivered %d times", r, c)
		}
	}
}

func numbered(n int, format string) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, format, i)
	}
	return recs
}

func TestFolderDownThenBack(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	// A file where the prefix's directory should be makes every write fail.
	blocker := filepath.Join(out, "data")
	if err := os.WriteFile(blocker, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	def := folderDef("down", out)
	def.Destination.Prefix = "data/"
	def.Backup = &Backup{}
	e.create(def)
	recs := numbered(3000, `{"n":%d}`)
	ids := e.put("down", recs[:1500])
	waitFor(t, "a failed write", func() bool {
		_, st, _ := e.m.Describe(context.Background(), "down")
		return st.LastError != ""
	})
	// Store and forward: the records wait in JetStream, even across a restart.
	e.restart()
	ids = append(ids, e.put("down", recs[1500:])...)
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	e.waitCheckpoint("down", lastID(t, ids))
	objs := objects(t, out)
	checkOnce(t, countLines(objs), recs)
	backed := 0
	for _, k := range sortedKeys(objs, "backup/") {
		backed += len(lines(objs[k]))
	}
	if backed != len(recs) {
		t.Fatalf("backup holds %d records, want %d", backed, len(recs))
	}
	if v := counterValue(t, e, "sluice_delivery_delivery_failures_total", "down"); v == 0 {
		t.Log("failure counter was reset by the restart") // counters live per process
	}
}

func TestS3DownThenBack(t *testing.T) {
	srv := s3test.Start(t)
	e := newEnv(t)
	def := Definition{
		Name:      "tos3",
		Buffering: Buffering{IntervalSeconds: intp(0)},
		Format:    format.Spec{Type: format.JSONLines, Compression: format.Gzip},
		Destination: Destination{Kind: DestS3, S3: &S3Dest{
			Endpoint: srv.Endpoint, Bucket: srv.Bucket, Region: srv.Region,
			AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, PathStyle: true,
		}},
	}
	e.create(def)
	recs := numbered(2000, `{"n":%d}`)
	e.waitCheckpoint("tos3", lastID(t, e.put("tos3", recs[:1000])))
	srv.Stop()
	ids := e.put("tos3", recs[1000:])
	waitFor(t, "a failed write", func() bool {
		_, st, _ := e.m.Describe(context.Background(), "tos3")
		return st.LastError != ""
	})
	srv.Restart()
	e.waitCheckpoint("tos3", lastID(t, ids))
	got := map[string]int{}
	for _, k := range srv.List("") {
		if !strings.HasSuffix(k, ".jsonl.gz") {
			t.Fatalf("object %s: want a .jsonl.gz name", k)
		}
		for _, l := range lines(gunzip(t, srv.Get(k))) {
			got[l]++
		}
	}
	checkOnce(t, got, recs)
}

func TestBufferingHints(t *testing.T) {
	e := newEnv(t)
	// By size: 1 MiB objects long before the 900 s interval.
	out := t.TempDir()
	def := folderDef("size", out)
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(900)}
	e.create(def)
	pad := strings.Repeat("x", 10<<10)
	recs := numbered(300, `{"n":%d,"pad":"`+pad+`"}`) // ~3 MiB
	e.put("size", recs)
	waitFor(t, "two objects by size", func() bool { return len(objects(t, out)) >= 2 })
	for k, b := range objects(t, out) {
		if len(b) < 1<<20 {
			t.Fatalf("object %s has %d bytes, under the 1 MiB size hint", k, len(b))
		}
	}
	// By interval: a few records, far under 128 MiB, arrive after ~1 s.
	out = t.TempDir()
	def = folderDef("interval", out)
	def.Buffering = Buffering{SizeMiB: 128, IntervalSeconds: intp(1)}
	e.create(def)
	start := time.Now()
	e.waitCheckpoint("interval", lastID(t, e.put("interval", numbered(10, `{"n":%d}`))))
	t.Logf("put to object visible at a 1 s interval: %s", time.Since(start).Round(time.Millisecond))
	if got := countLines(objects(t, out)); len(got) != 10 {
		t.Fatalf("interval delivered %d records", len(got))
	}
}

func TestRestartMidStreamExactlyOnce(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	def := folderDef("crash", out)
	def.Buffering.IntervalSeconds = intp(0)
	e.create(def)
	recs := numbered(20000, `{"id":%d}`)
	var ids []string
	for i := 0; i < len(recs); i += 5000 {
		ids = append(ids, e.put("crash", recs[i:i+5000])...)
		e.restart() // Close lands while batches are being delivered
	}
	e.waitCheckpoint("crash", lastID(t, ids))
	checkOnce(t, countLines(objects(t, out)), recs)
}

// TestReplayOfIntentOverwrites leaves a position as a crash between writing
// a batch's objects and acknowledging it would, and checks that the replay
// rewrites the same objects instead of adding any.
func TestReplayOfIntentOverwrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "src", 2); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("replay", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "src", StartingPosition: streams.TrimHorizon}
	def.Buffering = Buffering{SizeMiB: 1, IntervalSeconds: intp(1)}
	e.create(def)
	var recs [][]byte
	for round := range 3 {
		var batch []streams.Record
		for i := range 400 {
			d := fmt.Appendf(nil, `{"round":%d,"i":%d}`, round, i)
			recs = append(recs, d)
			batch = append(batch, streams.Record{PartitionKey: fmt.Sprint(i), Data: d})
		}
		if _, err := e.eng.PutRecords(ctx, "src", batch); err != nil {
			t.Fatal(err)
		}
		jsName, _ := streams.SourceStream("src")
		s, _ := e.js.JS.Stream(ctx, jsName)
		e.waitCheckpoint("replay", s.CachedInfo().State.LastSeq)
	}
	before := objects(t, out)
	checkOnce(t, countLines(before), recs)
	ks := sortedKeys(before, "")
	var first, last uint64
	name := ks[len(ks)-1][strings.LastIndex(ks[len(ks)-1], "/")+1:]
	parts := strings.Split(strings.TrimSuffix(name, ".jsonl"), "-")
	first, _ = strconv.ParseUint(parts[len(parts)-2], 10, 64)
	last, _ = strconv.ParseUint(parts[len(parts)-1], 10, 64)
	if first == 0 || last < first {
		t.Fatalf("cannot read the positions of %s", name)
	}
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.m.store.putPos(ctx, "replay", position{Checkpoint: first - 1, Intent: &intent{First: first, Last: last, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	e.restart()
	e.waitCheckpoint("replay", last)
	after := objects(t, out)
	if len(after) != len(before) {
		t.Fatalf("replay changed the objects: %d before, %d after", len(before), len(after))
	}
	checkOnce(t, countLines(after), recs)
}
