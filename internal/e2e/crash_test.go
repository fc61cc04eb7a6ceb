package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
)

// TestKill9DuringDelivery runs the real sluice binary, applies a pipeline
// with `sluice apply` (source → partition transform → Parquet → folder),
// sends records continuously, kills the server with SIGKILL as soon as
// the first objects appear (the next batches are being built and
// delivered), restarts it on the same data directory, sends the rest and
// waits until everything is delivered. Every acknowledged record must be
// in the output exactly once: no duplicates from the replay, no loss.
// Records of the put the kill interrupted may be there at most once.
func TestKill9DuringDelivery(t *testing.T) {
	const (
		total  = 30_000
		before = 20_000 // at most this many are sent before the kill
		batch  = 100
	)
	cases := []struct {
		name   string
		source delivery.Source
		shards int
	}{
		{"direct-put", delivery.Source{Kind: delivery.SourceDirectPut}, 0},
		{"data-stream", delivery.Source{Kind: delivery.SourceDataStream, Stream: "crashsrc", StartingPosition: "TRIM_HORIZON"}, 2},
	}
	bin := sluiceBinary(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
			srv, ep := serveProcess(t, bin, dataDir)
			wasm, err := filepath.Abs(filepath.Join(repoRoot, partitionWasm))
			mustf(t, err, "module path")
			wasmFile(t, partitionWasm) // fails with how to build it when missing
			cli(t, bin, ep, "module", "push", "partition", wasm)

			def := delivery.Definition{
				Name:      "crash",
				Source:    c.source,
				Buffering: delivery.Buffering{SizeMiB: 1, IntervalSeconds: intp(1)},
				Processor: partitionProcessor(),
				Format:    partitionFormat(),
				Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: out},
					Prefix: partitionPrefix},
			}
			file := map[string]any{"deliveryStreams": []delivery.Definition{def}}
			if c.shards > 0 {
				file["streams"] = []map[string]any{{"name": c.source.Stream, "shards": c.shards}}
			}
			b, err := json.Marshal(file)
			mustf(t, err, "pipeline file")
			pipeline := filepath.Join(t.TempDir(), "pipeline.yaml") // YAML is a superset of JSON
			mustf(t, os.WriteFile(pipeline, b, 0o644), "write pipeline")
			if got := cli(t, bin, ep, "apply", "-f", pipeline); !strings.Contains(got, "delivery stream crash: created") {
				t.Fatalf("apply said %q", got)
			}

			newSender := func(ep string) sender {
				if c.shards > 0 {
					return streamSender(kinesisClient(ep), c.source.Stream)
				}
				return directSender(firehoseClient(ep), "crash")
			}
			recs := makeRecords(total, 8, 0)

			// Send until the kill (or up to before, then wait for it).
			killed := make(chan struct{})
			next := make(chan int, 1)
			go func() {
				send := newSender(ep)
				for i := 0; i < before; i += batch {
					b := recs[i : i+batch]
					refused, err := send(context.Background(), b)
					if err != nil { // the server is gone: this put's fate is unknown
						for _, r := range b {
							r.uncertain = true
						}
						next <- i + batch
						return
					}
					for _, r := range refused {
						r.uncertain = true
					}
					time.Sleep(10 * time.Millisecond)
				}
				<-killed
				next <- before
			}()

			atKill := waitObjects(t, out)
			mustf(t, srv.Process.Signal(syscall.SIGKILL), "kill -9")
			_ = srv.Wait()
			close(killed)
			resume := <-next
			t.Logf("killed with %d objects delivered, after sending %d records", len(atKill), resume)

			_, ep = serveProcess(t, bin, dataDir)
			putAll(t, newSender(ep), recs[resume:])
			waitDelivered(t, ep, "crash", lastSeq(recs))

			objs := folderObjects(t, out)
			for k := range atKill {
				if _, ok := objs[k]; !ok {
					t.Errorf("object %s, delivered before the kill, is gone", k)
				}
			}
			if len(objs) <= len(atKill) {
				t.Fatalf("%d objects after the restart, %d before: nothing delivered after it", len(objs), len(atKill))
			}
			// Log whether the kill cut a batch: one of its objects was
			// there at the kill, and the replay wrote the others.
			perBatch := func(objs map[string][]byte) map[string]int {
				n := map[string]int{}
				for k := range objs {
					n[k[strings.LastIndexByte(k, '/')+1:]]++
				}
				return n
			}
			after := perBatch(objs)
			for name, n := range perBatch(atKill) {
				if after[name] > n {
					t.Logf("the kill cut batch %s: %d of its %d objects were written before it", name, n, after[name])
				}
			}
			d := delivered{name: "crash", objects: objs, recs: recs, row: partitionRow, bad: partitionBad, partitioned: true}
			d.check(t)
		})
	}
}

// waitObjects waits until a Parquet object appears under dir and returns
// the objects there.
func waitObjects(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		objs := folderObjects(t, dir)
		for k := range objs {
			if strings.HasSuffix(k, ".parquet") {
				return objs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no object appeared under %s", dir)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
