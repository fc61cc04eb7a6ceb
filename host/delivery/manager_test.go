package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/sinks/format"
)

func TestDirectPutToFolderJSONLines(t *testing.T) {
	e := newEnv(t)
	out := t.TempDir()
	e.create(folderDef("logs", out))
	var recs [][]byte
	for i := range 1200 {
		recs = append(recs, fmt.Appendf(nil, `{"n":%d}`, i))
	}
	ids := e.put("logs", recs)
	if len(ids) != len(recs) || ids[0] == "" || ids[0] == ids[1] {
		t.Fatalf("record ids %q...", ids[:2])
	}
	last, _ := strconv.ParseUint(ids[len(ids)-1], 10, 64)
	e.waitCheckpoint("logs", last)

	objs := objects(t, out)
	var got []string
	for _, k := range sortedKeys(objs, "") {
		got = append(got, lines(objs[k])...)
	}
	if len(got) != len(recs) {
		t.Fatalf("delivered %d records, want %d (objects %v)", len(got), len(recs), sortedKeys(objs, ""))
	}
	for i, l := range got {
		if l != string(recs[i]) {
			t.Fatalf("record %d = %s, want %s", i, l, recs[i])
		}
	}
	_, st, err := e.m.Describe(context.Background(), "logs")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StatusActive || st.IncomingRecords != 1200 || st.DeliveredRecords != 1200 || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
	// Delivered records are purged from the direct-put stream.
	waitFor(t, "delivered records to be purged", func() bool {
		s, err := e.js.JS.Stream(context.Background(), directStream("logs"))
		return err == nil && s.CachedInfo().State.Msgs == 0
	})
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	if err := e.eng.CreateStream(context.Background(), "events", 2); err != nil {
		t.Fatal(err)
	}
	good := func() Definition { return folderDef("ok", dir) }
	cases := []struct {
		name   string
		mutate func(*Definition)
		want   string // in the message
	}{
		{"bad name", func(d *Definition) { d.Name = "no spaces" }, "name"},
		{"size too big", func(d *Definition) { d.Buffering.SizeMiB = 129 }, "buffering size"},
		{"interval too long", func(d *Definition) { d.Buffering.IntervalSeconds = intp(901) }, "buffering interval"},
		{"no destination", func(d *Definition) { d.Destination = Destination{} }, "kind"},
		{"folder without path", func(d *Definition) { d.Destination.Folder.Path = "" }, "path"},
		{"parquet without schema", func(d *Definition) { d.Format = format.Spec{Type: format.Parquet} }, "schema"},
		{"bad compression", func(d *Definition) { d.Format.Compression = "lz4" }, "compression"},
		{"missing module", func(d *Definition) { d.Processor = &Processor{Module: "nosuch"} }, "nosuch"},
		{"missing stream", func(d *Definition) { d.Source = Source{Kind: SourceDataStream, Stream: "nope"} }, "nope"},
		{"bad starting position", func(d *Definition) {
			d.Source = Source{Kind: SourceDataStream, Stream: "events", StartingPosition: "AT_TIMESTAMP"}
		}, "starting position"},
		{"query key without query", func(d *Definition) { d.Destination.Prefix = "!{partitionKeyFromQuery:site}/" }, "partitionQueries"},
		{"lambda key without processor", func(d *Definition) { d.Destination.Prefix = "!{partitionKeyFromLambda:site}/" }, "processor"},
		{"bad jq", func(d *Definition) {
			d.Destination.Prefix = "!{partitionKeyFromQuery:site}/"
			d.Destination.PartitionQueries = map[string]string{"site": ".a | ("}
		}, "partition query"},
		{"bad prefix", func(d *Definition) { d.Destination.Prefix = "!{nosuch:x}/" }, "namespace"},
		{"http without error store", func(d *Definition) {
			d.Destination = Destination{Kind: DestHTTP, HTTP: &HTTPDest{URL: "http://127.0.0.1:1/"}}
		}, "errorStore"},
		{"http error store with its own error prefix", func(d *Definition) {
			d.Destination = Destination{Kind: DestHTTP, HTTP: &HTTPDest{URL: "http://127.0.0.1:1/",
				ErrorStore: &Destination{Kind: DestFolder, Folder: &FolderDest{Path: dir}, ErrorPrefix: "mine/"}}}
		}, "takes no prefix"},
		{"retries", func(d *Definition) { d.Processor = &Processor{Module: "x", Retries: intp(-1)} }, "retries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := good()
			c.mutate(&d)
			_, err := e.m.Create(context.Background(), d)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("message %q does not mention %q", err, c.want)
			}
		})
	}
	if names, _ := e.m.List(context.Background()); len(names) != 0 {
		t.Fatalf("invalid definitions were stored: %v", names)
	}
	def := e.create(good())
	if def.Buffering.SizeMiB != DefaultBufferMiB || def.Destination.Prefix != DefaultPrefix || def.Version != 1 {
		t.Fatalf("defaults not filled: %+v", def)
	}
	if _, err := e.m.Create(context.Background(), good()); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
}

func TestLifecycleSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "events", 1); err != nil {
		t.Fatal(err)
	}
	a := folderDef("a", t.TempDir())
	b := folderDef("b", t.TempDir())
	b.Source = Source{Kind: SourceDataStream, Stream: "events"}
	e.create(a)
	e.create(b)

	// Apply is idempotent; a change bumps the version.
	if _, changed, err := e.m.Apply(ctx, a); err != nil || changed {
		t.Fatalf("apply same: changed %v, %v", changed, err)
	}
	a.Buffering.SizeMiB = 2
	got, changed, err := e.m.Apply(ctx, a)
	if err != nil || !changed || got.Version != 2 {
		t.Fatalf("apply change: %+v, changed %v, %v", got, changed, err)
	}
	a2 := a
	a2.Source = Source{Kind: SourceDataStream, Stream: "events"}
	if _, _, err := e.m.Apply(ctx, a2); !errors.Is(err, ErrInvalid) {
		t.Fatalf("changing the source: %v, want ErrInvalid", err)
	}
	if _, err := e.m.Put(ctx, "b", [][]byte{[]byte("x")}); !errors.Is(err, ErrNotDirectPut) {
		t.Fatalf("put to a stream-sourced delivery stream: %v", err)
	}
	if _, err := e.m.Put(ctx, "zz", [][]byte{[]byte("x")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("put to a missing delivery stream: %v", err)
	}
	if _, err := e.m.Put(ctx, "a", make([][]byte, 501)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("501 records: %v", err)
	}
	if _, err := e.m.Put(ctx, "a", [][]byte{make([]byte, MaxRecordBytes+1)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized record: %v", err)
	}

	e.restart()
	names, err := e.m.List(ctx)
	if err != nil || len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Fatalf("after restart: %v, %v", names, err)
	}
	def, st, err := e.m.Describe(ctx, "a")
	if err != nil || def.Version != 2 || def.Buffering.SizeMiB != 2 || st.State != StatusActive {
		t.Fatalf("describe a: %+v %+v %v", def, st, err)
	}
	if err := e.m.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Describe(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("describe after delete: %v", err)
	}
	if _, err := e.js.JS.Stream(ctx, directStream("a")); err == nil {
		t.Fatal("the direct-put stream outlived its delivery stream")
	}
	if err := e.m.Delete(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
