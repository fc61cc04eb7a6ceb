package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/sinks/format"
)

// The steady-state delivery benchmark: how many records a second go from
// the AWS SDK's puts to durably delivered Parquet objects, in the real
// binary, against raw JetStream async publish measured in the same run.
// SLUICE_BENCH_RECORDS sets the records per case (500,000 by default:
// enough for the first and last batch to be a rounding error).
const (
	benchShards    = 4
	benchProducers = 8
	benchBatch     = 500
)

func benchRecordCount(b *testing.B) int {
	if s := os.Getenv("SLUICE_BENCH_RECORDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < benchBatch {
			b.Fatalf("SLUICE_BENCH_RECORDS=%q: want a whole number of at least %d", s, benchBatch)
		}
		return n
	}
	return 500_000
}

// benchPad is what record padding is cut from: lower-case ASCII, so an
// upper-case transform changes most bytes.
const benchPad = "the quick brown fox jumps over the lazy dog while the edge node keeps logging "

// benchRecords returns n JSON records of size bytes (at least the size of
// the fields), keyed over 64 partition keys.
func benchRecords(n, size int) []*rec {
	out := make([]*rec, n)
	for i := range out {
		key := fmt.Sprintf("k%02d", i%64)
		head := fmt.Sprintf(`{"id":"r%09d","key":%q,"n":%d,"ts":%d,"msg":"`, i, key, i, baseTS+int64(i))
		pad := max(size-len(head)-2, 1)
		data := make([]byte, 0, len(head)+pad+2)
		data = append(data, head...)
		for j := range pad {
			data = append(data, benchPad[(i+j)%len(benchPad)])
		}
		out[i] = &rec{kind: good, key: key, data: append(data, `"}`...)}
	}
	return out
}

// benchFormat is the Parquet (zstd) schema of benchRecords; upper names
// the columns as an upper-case transform leaves them.
func benchFormat(upper bool) format.Spec {
	name := func(s string) string {
		if upper {
			return strings.ToUpper(s)
		}
		return s
	}
	return format.Spec{Type: format.Parquet, Compression: format.Zstd, Schema: []format.Field{
		{Name: name("id"), Type: format.TypeString, Required: true},
		{Name: name("key"), Type: format.TypeString, Required: true},
		{Name: name("n"), Type: format.TypeInt64, Required: true},
		{Name: name("ts"), Type: format.TypeTimestampMS, Required: true},
		{Name: name("msg"), Type: format.TypeString, Required: true},
	}}
}

// putConcurrently sends recs with benchProducers producers, each putting
// its own contiguous share benchBatch at a time.
func putConcurrently(b *testing.B, newSend func() sender, recs []*rec) {
	b.Helper()
	share := (len(recs) + benchProducers - 1) / benchProducers
	var wg sync.WaitGroup
	for p := range benchProducers {
		part := recs[min(p*share, len(recs)):min((p+1)*share, len(recs))]
		send := newSend()
		wg.Go(func() { putAll(b, send, part) })
	}
	wg.Wait()
}

// peakRSS reads the peak resident set size (VmHWM) of process pid, in
// bytes.
func peakRSS(b *testing.B, pid int) int64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Logf("no peak RSS: %v", err)
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// BenchmarkDelivery measures delivery at steady state: SLUICE_BENCH_RECORDS
// records put by benchProducers AWS SDK producers (PutRecordBatch to a
// direct-put stream, or PutRecords to a data stream of benchShards shards
// the delivery stream reads), through each transform, to Parquet (zstd)
// in a folder, timed from the first put until every record is durably
// delivered, on a fresh `sluice serve` per case with its defaults. It
// reports records/s and the server's peak RSS. The anchor,
// raw-jetstream, is async publish of as many messages of the same size
// with as many producers to an embedded JetStream server on disk, all
// acknowledgements awaited: report each case as a ratio of it. Run with
// -benchtime 1x. SLUICE_BENCH_INPROCESS=1 runs the server in the test
// process instead (no peak RSS then), so that -cpuprofile covers it.
func BenchmarkDelivery(b *testing.B) {
	type tcase struct {
		source, module, wasm string
		size                 int
	}
	cases := []tcase{
		{"direct", "none", "", 200},
		{"direct", "none", "", 1024},
		{"stream", "none", "", 200},
		{"stream", "none", "", 1024},
		{"grouped", "none", "", 200}, // the same data stream over 4 shard groups
		{"direct", "c", "sdk/c/testdata/upper/upper.wasm", 200},
		{"direct", "rust", "sdk/rust/testdata/upper/upper.wasm", 200},
		{"direct", "go", "sdk/go/testdata/upper/upper.wasm", 200},
		{"direct", "assemblyscript", "sdk/assemblyscript/testdata/upper/upper.wasm", 200},
		{"direct", "wasi-go", "sdk/go/testdata/upper-wasi/upper.wasm", 200},
	}
	n := benchRecordCount(b)
	for _, size := range []int{200, 1024} {
		b.Run(fmt.Sprintf("raw-jetstream/%dB", size), func(b *testing.B) {
			for range b.N {
				rawPublish(b, n, size)
			}
		})
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s/%s/%dB", c.source, c.module, c.size), func(b *testing.B) {
			for range b.N {
				deliverOnce(b, n, c.size, c.source, c.module, c.wasm)
			}
		})
	}
}

// deliverOnce runs one case of BenchmarkDelivery.
func deliverOnce(b *testing.B, n, size int, source, module, wasm string) {
	b.StopTimer()
	var ep string
	pid := 0
	if os.Getenv("SLUICE_BENCH_INPROCESS") != "" {
		ep = startHost(b)
	} else {
		var srv *exec.Cmd
		srv, ep = serveProcess(b, sluiceBinary(b), b.TempDir())
		pid = srv.Process.Pid
	}
	def := delivery.Definition{
		Name:        "bench",
		Source:      delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering:   delivery.Buffering{SizeMiB: 4, IntervalSeconds: intp(1)},
		Format:      benchFormat(wasm != ""),
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: filepath.Join(b.TempDir(), "out")}},
	}
	if wasm != "" {
		pushModule(b, ep, "upper-"+module, wasm)
		def.Processor = &delivery.Processor{Module: "upper-" + module}
	}
	newSend := func() sender { return directSender(firehoseClient(ep), "bench") }
	if source == "stream" || source == "grouped" {
		createBenchStream(b, ep, "benchsrc", source == "grouped")
		def.Source = delivery.Source{Kind: delivery.SourceDataStream, Stream: "benchsrc", StartingPosition: "TRIM_HORIZON"}
		newSend = func() sender { return streamSender(kinesisClient(ep), "benchsrc") }
	}
	applyDefinition(b, ep, def)
	recs := benchRecords(n, size)
	b.StartTimer()
	start := time.Now()
	putConcurrently(b, newSend, recs)
	if b.Failed() { // a producer gave up: nothing to wait for
		return
	}
	putDone := time.Since(start)
	st := waitAccounted(b, ep, "bench", int64(n))
	elapsed := time.Since(start)
	b.StopTimer()
	if st.DeliveredRecords != int64(n) {
		b.Fatalf("delivered %d of %d records (%d in the error output, %d dropped): %s",
			st.DeliveredRecords, n, st.ErrorRecords, st.DroppedRecords, st.LastError)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(size)/elapsed.Seconds()/1e6, "MB/s")
	// How far delivery trails the puts: near 0 when ingest is the limit.
	b.ReportMetric((elapsed - putDone).Seconds(), "s-after-puts")
	if pid != 0 {
		b.ReportMetric(float64(peakRSS(b, pid))/1e6, "peak-RSS-MB")
	}
	b.ReportMetric(0, "ns/op")
}

// waitAccounted waits until the delivery stream has accounted for n
// records (delivered, in the error output or dropped).
func waitAccounted(b *testing.B, ep, name string, n int64) delivery.Status {
	b.Helper()
	deadline := time.Now().Add(30 * time.Minute) // ends a hang; not a timing assertion
	for {
		st := describeDelivery(b, ep, name).Status
		if st.DeliveredRecords+st.ErrorRecords+st.DroppedRecords >= n {
			return st
		}
		if time.Now().After(deadline) {
			b.Fatalf("gave up waiting for %d records to be accounted for: %+v", n, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createBenchStream creates a data stream of benchShards shards (each in
// a shard group of its own when grouped) and waits until it is ACTIVE.
func createBenchStream(b *testing.B, ep, name string, grouped bool) {
	b.Helper()
	ctx := context.Background()
	kc := kinesisClient(ep)
	in := &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(benchShards)}
	if grouped {
		in.Tags = map[string]string{streams.ShardGroupsTag: strconv.Itoa(benchShards)}
	}
	_, err := kc.CreateStream(ctx, in)
	mustf(b, err, "CreateStream")
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(20 * time.Millisecond) {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		mustf(b, err, "DescribeStreamSummary")
		if out.StreamDescriptionSummary.StreamStatus == kintypes.StreamStatusActive {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("stream %s never became ACTIVE", name)
		}
	}
}

// rawPublish is BenchmarkDelivery's anchor: n messages of size bytes
// published asynchronously by benchProducers producers, benchBatch at a
// time with every acknowledgement awaited (as a put of benchBatch
// records is), to benchShards subjects of one file stream on an embedded
// server on disk.
func rawPublish(b *testing.B, n, size int) {
	b.StopTimer()
	s := jstest.Start(b, "")
	ctx := context.Background()
	if _, err := s.JS.CreateStream(ctx, jetstream.StreamConfig{
		Name: "raw", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage,
	}); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	var left atomic.Int64
	left.Store(int64(n))
	b.StartTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range benchProducers {
		wg.Go(func() {
			js, err := jetstream.New(s.Conn)
			if err != nil {
				b.Error(err)
				return
			}
			futures := make([]jetstream.PubAckFuture, 0, benchBatch)
			subjects := make([]string, benchShards)
			for i := range subjects {
				subjects[i] = fmt.Sprintf("raw.%d", i)
			}
			for {
				batch := min(int64(benchBatch), left.Add(-benchBatch)+benchBatch)
				if batch <= 0 {
					return
				}
				futures = futures[:0]
				for j := range batch {
					f, err := js.PublishMsgAsync(&nats.Msg{Subject: subjects[j%benchShards], Data: data})
					if err != nil {
						b.Error(err)
						return
					}
					futures = append(futures, f)
				}
				for _, f := range futures {
					select {
					case <-f.Ok():
					case err := <-f.Err():
						b.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	info, err := s.JS.Stream(ctx, "raw")
	mustf(b, err, "stream info")
	if got := info.CachedInfo().State.Msgs; got != uint64(n) {
		b.Fatalf("stored %d of %d messages", got, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(size)/elapsed.Seconds()/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}
