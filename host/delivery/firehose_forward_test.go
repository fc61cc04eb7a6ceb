package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/awsfront"
	"github.com/sluice-io/sluice/internal/jstest"
)

// sluice is a delivery Manager on a JetStream server of its own, serving
// the Firehose API.
type sluice struct {
	mgr  *delivery.Manager
	url  string
	root string
}

func startSluice(t *testing.T) *sluice {
	t.Helper()
	ctx := context.Background()
	js := jstest.Start(t, "")
	eng, err := streams.Open(ctx, js.Conn, streams.Config{})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	mgr, err := delivery.Open(ctx, js.Conn, delivery.Deps{Streams: eng},
		delivery.Config{OutputRoot: root, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mux := awsjson.NewMux(nil)
	firehose.Register(mux, mgr, firehose.Config{})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = mgr.Close()
		_ = eng.Close()
	})
	return &sluice{mgr: mgr, url: srv.URL, root: root}
}

// lines counts the records in the objects under dir.
func lines(dir string) map[string]int {
	got := map[string]int{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			got[string(l)]++
		}
		return nil
	})
	return got
}

// put puts n records made by format to a direct-put delivery stream and
// returns them with the last one's sequence.
func put(t *testing.T, s *sluice, name, format string, n int) ([][]byte, uint64) {
	t.Helper()
	var last uint64
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, format, i)
	}
	for i := 0; i < n; i += delivery.MaxPutRecords {
		res, err := s.mgr.Put(context.Background(), name, recs[i:min(n, i+delivery.MaxPutRecords)])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			seq, err := strconv.ParseUint(r.RecordID, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			last = max(last, seq)
		}
	}
	return recs, last
}

// waitCheckpoint waits until a delivery stream has delivered up to seq.
func waitCheckpoint(t *testing.T, s *sluice, name string, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		_, st, err := s.mgr.Describe(context.Background(), name)
		if err == nil && st.Checkpoint >= seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never delivered up to %d: %+v", name, seq, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitState(t *testing.T, s *sluice, name, state string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		_, st, err := s.mgr.Describe(context.Background(), name)
		if err == nil && st.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never %s: %+v", name, state, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFirehoseDestinationToAnotherSluice: an edge Sluice forwards a
// delivery stream's records to a hub Sluice's delivery stream with
// PutRecordBatch, through an outage of the hub: every record reaches the
// hub's folder once (no call was cut while the hub stored it, so no
// duplicate is allowed here).
func TestFirehoseDestinationToAnotherSluice(t *testing.T) {
	ctx := context.Background()
	hub, edge := startSluice(t), startSluice(t)
	zero := 0
	if _, err := hub.mgr.Create(ctx, delivery.Definition{Name: "home", Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "lake"}}}); err != nil {
		t.Fatal(err)
	}
	front := awsfront.Start(t, hub.url)
	if _, err := edge.mgr.Create(ctx, delivery.Definition{Name: "site", Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestFirehose, Firehose: &delivery.StreamDest{
			Endpoint: front.URL(), Stream: "home", AccessKeyID: "AKIDEDGE", SecretAccessKey: "edge-secret",
			ErrorStore: &delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "errors"}},
		}}}); err != nil {
		t.Fatal(err)
	}
	want, last := put(t, edge, "site", `{"before":%d}`, 600)
	// Delivered before the outage: a call cut by it may have been stored
	// by the hub with its answer lost, and its retry would be a (allowed:
	// at-least-once) duplicate.
	waitCheckpoint(t, edge, "site", last)
	front.Down()
	during, last := put(t, edge, "site", `{"during":%d}`, 700)
	want = append(want, during...)
	waitState(t, edge, "site", delivery.StatusRetrying)
	front.Up()
	waitCheckpoint(t, edge, "site", last)
	lake := filepath.Join(hub.root, "lake")
	deadline := time.Now().Add(2 * time.Minute)
	for len(lines(lake)) < len(want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := lines(lake)
	for _, r := range want {
		if got[string(r)] != 1 {
			t.Fatalf("record %s reached the hub %d times", r, got[string(r)])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("hub holds %d records, want %d", len(got), len(want))
	}
	if errs := lines(filepath.Join(edge.root, "errors")); len(errs) != 0 {
		t.Fatalf("error output %v", errs)
	}
}
