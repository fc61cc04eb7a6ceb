package transforms

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

// upperModule is one build of the benchmark transform: ASCII-upper-case
// each record's data, answer Ok.
type upperModule struct {
	lang string // as the benchmarks name it
	path string // relative to this directory
	kind runtime.Kind
}

// upperModules are the benchmark transforms, one per guest SDK and one
// WASI command; each directory's build.sh builds its upper.wasm.
var upperModules = []upperModule{
	{"go", "../sdk/go/testdata/upper/upper.wasm", runtime.KindSDKv1},
	{"c", "../sdk/c/testdata/upper/upper.wasm", runtime.KindSDKv1},
	{"rust", "../sdk/rust/testdata/upper/upper.wasm", runtime.KindSDKv1},
	{"assemblyscript", "../sdk/assemblyscript/testdata/upper/upper.wasm", runtime.KindSDKv1},
	{"wasi-go", "../sdk/go/testdata/upper-wasi/upper.wasm", runtime.KindWASICommand},
}

// TestUpperModules checks that every benchmark module gives the right
// answer, so the benchmarks time correct code: each record's data
// upper-cased (as bytes.ToUpper does for ASCII), all Ok, no keys.
func TestUpperModules(t *testing.T) {
	r := newRuntime(t)
	inputs := []string{
		"",
		"hello, world",
		"MiXeD cAsE 123 {\"json\":[true,null]} ~!@#$%^&*()_+`'",
		"az AZ @[`{", // the bytes either side of a-z and A-Z
		string(bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz0123456789"), 100)), // longer than one C chunk
	}
	for _, size := range benchSizes {
		inputs = append(inputs, string(benchRecord(size, 3)))
	}
	var recs []rec
	for i, in := range inputs {
		name := fmt.Sprintf("%d bytes %.12q", len(in), in)
		r := rec{name: name, data: in, want: okText(string(bytes.ToUpper([]byte(in))))}
		if i%2 == 1 { // as read from a data stream: the batch carries Kinesis metadata
			r.kinesis = &runtime.KinesisMetadata{ShardID: "shardId-000000000001", PartitionKey: "pk-" + name,
				SequenceNumber: fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", i), SubsequenceNumber: int64(i), ArrivalTime: baseArrival}
		}
		recs = append(recs, r)
	}
	for _, u := range upperModules {
		t.Run(u.lang, func(t *testing.T) {
			m := load(t, r, "upper-"+u.lang, u.path, runtime.ModuleConfig{})
			if k := m.Info().Kind; k != u.kind {
				t.Errorf("kind %v, want %v", k, u.kind)
			}
			runRecords(t, m, recs)
		})
	}
}

// TestUpperConcurrent sends concurrent batches, each with its own data,
// through a pool of two instances of the C and Go SDK modules (as the
// parallel benchmark does) and checks every answer; run it with -race.
func TestUpperConcurrent(t *testing.T) {
	const workers, batches = 6, 4
	r := newRuntime(t)
	for _, u := range upperModules {
		if u.lang != "c" && u.lang != "go" {
			continue
		}
		t.Run(u.lang, func(t *testing.T) {
			m := load(t, r, "upper-"+u.lang, u.path, runtime.ModuleConfig{Limits: runtime.Limits{Instances: 2}})
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range batches {
						recs := []rec{
							{data: fmt.Sprintf("worker %d batch %d", w, i)},
							{data: string(benchRecord(100, w*batches+i))},
						}
						resp, err := m.Transform(t.Context(), batchOf(recs))
						if err != nil {
							t.Errorf("worker %d batch %d: %v", w, i, err)
							return
						}
						if len(resp.Records) != len(recs) {
							t.Errorf("worker %d batch %d: %d answers for %d records", w, i, len(resp.Records), len(recs))
						}
						for _, res := range resp.Records {
							var j int
							if _, err := fmt.Sscanf(res.RecordID, "r%d", &j); err != nil || j >= len(recs) {
								t.Errorf("worker %d batch %d: answer for unknown record %q", w, i, res.RecordID)
								continue
							}
							want := bytes.ToUpper([]byte(recs[j].data))
							if res.Status != runtime.StatusOk || !bytes.Equal(res.Data, want) {
								t.Errorf("worker %d batch %d: record %s: %v %q, want Ok %q", w, i, res.RecordID, res.Status, res.Data, want)
							}
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestUpperMemoryBounded: a warm instance of each SDK module serves many
// batches (about 30 MiB of records in and out) within 8 MiB of memory, so
// the SDKs reuse or free their buffers from batch to batch.
func TestUpperMemoryBounded(t *testing.T) {
	const batches = 30
	r := newRuntime(t)
	batch := benchBatch(1024)
	for _, u := range upperModules {
		if u.kind != runtime.KindSDKv1 {
			continue // a WASI command gets a fresh instance per batch
		}
		t.Run(u.lang, func(t *testing.T) {
			m := load(t, r, "upper-"+u.lang, u.path, runtime.ModuleConfig{Limits: runtime.Limits{Instances: 1, MemoryBytes: 8 << 20}})
			for i := range batches {
				if _, err := m.Transform(t.Context(), batch); err != nil {
					t.Fatalf("batch %d of %d: %v", i+1, batches, err)
				}
			}
		})
	}
}
