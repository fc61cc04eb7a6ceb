package kinesisdest_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/awsfront"
	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/sinks/kinesisdest"
)

// firehoseTarget is a second Sluice's Firehose API on a JetStream server of
// its own, with a delivery stream that writes to a folder at once.
func firehoseTarget(t *testing.T, name string) (url, dir string) {
	t.Helper()
	ctx := context.Background()
	js := jstest.Start(t, "")
	eng, err := streams.Open(ctx, js.Conn, streams.Config{})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	mgr, err := delivery.Open(ctx, js.Conn, delivery.Deps{Streams: eng}, delivery.Config{OutputRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	if _, err := mgr.Create(ctx, delivery.Definition{Name: name, Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "out"}}}); err != nil {
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
	return srv.URL, filepath.Join(root, "out")
}

// folderRecords counts the records (one per line) of the data objects
// under dir, waiting until there are want of them.
func folderRecords(t *testing.T, dir string, want int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := map[string]int{}
		total := 0
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.Contains(p, "errors/") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				got[string(l)]++
				total++
			}
			return nil
		})
		if total >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeliverFirehose(t *testing.T) {
	url, dir := firehoseTarget(t, "hub")
	front := awsfront.Start(t, url)
	c, err := kinesisdest.New(kinesisdest.Config{Kind: kinesisdest.Firehose, Endpoint: front.URL(),
		Stream: "arn:aws:firehose:us-east-1:000000000000:deliverystream/hub", AccessKeyID: "AKIDFORWARD", SecretAccessKey: secret},
		kinesisdest.WithBackoff(10*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Probe(context.Background()); err != nil {
		t.Fatalf("probe: %v", err)
	}
	// Some records fail once, per record, as Firehose's
	// ServiceUnavailableException.
	var mu sync.Mutex
	seen := map[string]bool{}
	front.FailRecords(func(_ string, data []byte) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		first := !seen[string(data)]
		seen[string(data)] = true
		return "ServiceUnavailableException", first && bytes.HasSuffix(data, []byte("3}"))
	})
	recs := make([]kinesisdest.Record, 1100)
	for i := range recs {
		recs[i] = kinesisdest.Record{Data: fmt.Appendf(nil, `{"n":%d}`, i)}
	}
	// 5 records of 900 KiB: the 4 MiB bound splits a call.
	for i := 0; i < 5; i++ {
		recs[i].Data = fmt.Appendf(nil, `{"pad":"%s","n":%d}`, strings.Repeat("y", 900<<10), i)
	}
	results, err := c.Deliver(context.Background(), kinesisdest.Batch{Records: recs, RetryFor: time.Minute})
	checkAll(t, results, err, recs, folderRecords(t, dir, len(recs)))
	calls := front.Calls()
	if calls[0].Op != "DescribeDeliveryStream" {
		t.Fatalf("first call %s", calls[0].Op)
	}
	for _, call := range calls[1:] {
		if call.Op != "PutRecordBatch" || call.Records > kinesisdest.MaxCallRecords {
			t.Fatalf("call %+v", call)
		}
	}
	if calls[1].Records >= 5 {
		t.Fatalf("the first put carried %d records of 900 KiB: over 4 MiB", calls[1].Records)
	}
}
