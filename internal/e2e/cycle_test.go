package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/internal/proctest"
	"github.com/sluice-io/sluice/sinks/format"
)

// The crash test's shape: producers × keys each, a 4-shard stream, two
// delivery streams from it.
const (
	soakProducers = 4
	soakKeysEach  = 25
	soakStream    = "soak"
	soakShards    = 4
	soakJSON      = "soak-json"
	soakParquet   = "soak-parquet"
)

// TestCrashCycles runs the real sluice binary with a 4-shard data stream
// and two delivery streams from it (JSON lines to a folder; the partition
// transform, Parquet, to a folder), while producers write per-key
// counters with the AWS SDK's PutRecords. It kills the server with
// SIGKILL at random moments (while records arrive, while batches are
// built and written, while the server recovers) and restarts it on the
// same data directory, many times. Afterwards every acknowledged record
// must be in GetRecords (every shard, parents first) and in both outputs,
// nothing more than once except copies a call whose answer was lost can
// have left (as on AWS), and each key's counters in order everywhere.
// The same runs with --sync always. Sizes and the seed come from the
// environment (soak_test.go): a few cycles in `make test`, many in
// `make soak`.
func TestCrashCycles(t *testing.T) {
	cfg := loadSoakConfig(t)
	cfg.logSeed(t)
	bin := sluiceBinary(t)
	wasmFile(t, partitionWasm) // fails with how to build it when missing
	for i, c := range []struct {
		sync            string
		cycles, records int
		env             string
	}{{"default", cfg.cycles, cfg.records, envCycles}, {"always", cfg.syncCycles, cfg.syncRecords, envSyncCycles}} {
		t.Run("sync="+c.sync, func(t *testing.T) {
			if c.cycles == 0 {
				t.Skipf("%s=0", c.env)
			}
			crashCycles(t, bin, c.sync, c.cycles, c.records, cfg.rng(uint64(i)))
		})
	}
}

// Where a cycle's kill lands: while the server recovers (within 300 ms of
// it listening), while records arrive (once the producers have made a
// random share, 5 to 95 %, of the cycle's records: puts are in flight),
// or within a second after a delivery stream's checkpoint moved (the next
// batch is being built, transformed and written).
const (
	killRecovery = iota
	killIngest
	killDelivery
)

var killNames = [...]string{"recovery", "ingest", "delivery"}

// killPlan says where each cycle's kill lands: every kind once in the
// first cycles (in a random order), then at random.
func killPlan(rng *rand.Rand, cycles int) []int {
	plan := rng.Perm(len(killNames))
	for len(plan) < cycles {
		plan = append(plan, rng.IntN(len(killNames)))
	}
	return plan[:cycles]
}

func crashCycles(t *testing.T, bin, syncMode string, cycles, perCycle int, rng *rand.Rand) {
	start := time.Now()
	dataDir := t.TempDir()
	jsonDir, parquetDir := filepath.Join(t.TempDir(), "json"), filepath.Join(t.TempDir(), "parquet")
	serve := func() (*exec.Cmd, string) {
		return proctest.Serve(t, bin, "", "--data-dir", dataDir, "--sync", syncMode, "--output-root", os.TempDir())
	}

	srv, ep := serve()
	setupCrashPipelines(t, ep, jsonDir, parquetDir)

	f := &fleet{stream: soakStream, totalKeys: soakProducers * soakKeysEach}
	f.client.Store(kinesisClient(ep))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var wg sync.WaitGroup
	var producers []*producer
	for i := range soakProducers {
		p := newProducer(i, i*soakKeysEach, soakKeysEach)
		producers = append(producers, p)
		wg.Go(func() { p.run(ctx, f) })
	}

	plan := killPlan(rng, cycles)
	duringIngest, behind := 0, 0
	for c := 1; c <= cycles; c++ {
		if c > 1 {
			srv, ep = serve()
			f.client.Store(kinesisClient(ep))
		}
		began := time.Now()
		base, _ := f.budget.state()
		f.budget.raise(c*perCycle, false)
		kind := plan[c-1]
		var delay time.Duration
		switch kind {
		case killRecovery:
			delay = time.Duration(rng.IntN(300)) * time.Millisecond
		case killIngest:
			share := 5 + rng.IntN(91)
			waitMade(t, f, base+(c*perCycle-base)*share/100)
		case killDelivery:
			delay = time.Duration(rng.IntN(1000)) * time.Millisecond
			waitDelivery(t, ep)
		}
		// The delivery streams' status is taken while the delay runs, so
		// that asking does not move the kill.
		killAt := time.Now().Add(delay)
		js, jerr := deliveryStatus(ep, soakJSON)
		ps, perr := deliveryStatus(ep, soakParquet)
		time.Sleep(time.Until(killAt))
		made, limit := f.budget.state()
		acked, top := f.acked.Load(), f.maxSeq.Load()
		at := time.Since(began)
		mustf(t, srv.Process.Signal(syscall.SIGKILL), "kill -9")
		_ = srv.Wait()
		ingest := made < limit || acked < int64(made)
		late := jerr != nil || perr != nil || js.Status.Checkpoint < top || ps.Status.Checkpoint < top
		if ingest {
			duringIngest++
		}
		if late {
			behind++
		}
		t.Logf("cycle %d/%d: kill -9 in %s, %v after the start: %d of %d records made, %d acknowledged (top seq %d); checkpoints %s %d, %s %d shortly before; puts in flight %v, delivery behind %v",
			c, cycles, killNames[kind], at.Round(time.Millisecond), made, limit, acked, top, soakJSON, js.Status.Checkpoint, soakParquet, ps.Status.Checkpoint, ingest, late)
	}

	_, ep = serve()
	f.client.Store(kinesisClient(ep))
	f.budget.raise(cycles*perCycle, true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(waitLimit):
		made, limit := f.budget.state()
		t.Fatalf("producers did not finish within %v of the last restart: %d of %d made, %d acknowledged", waitLimit, made, limit, f.acked.Load())
	}

	l := ledger{}
	until := map[string]uint64{}
	for _, p := range producers {
		for ki, key := range p.keys {
			l[key] = p.recs[ki]
			for _, s := range p.recs[ki] {
				if s.acked {
					until[s.shard] = max(until[s.shard], s.seq)
				}
			}
		}
	}
	recs := readStream(t, kinesisClient(ep), soakStream, until)
	var p problems
	byKey, st := checkStored(l, recs, &p)
	var top uint64
	for _, r := range recs {
		top = max(top, r.seq)
	}
	waitCaughtUp(t, ep, soakJSON, top)
	waitCaughtUp(t, ep, soakParquet, top)
	got, jsonObjs := jsonOutput(t, soakJSON, l, folderObjects(t, jsonDir), &p)
	jsonRecs := checkOutput(soakJSON, byKey, got, &p)
	got, parquetObjs := parquetOutput(t, soakParquet, l, folderObjects(t, parquetDir), &p)
	parquetRecs := checkOutput(soakParquet, byKey, got, &p)
	p.report(t, fmt.Sprintf("after %d kill -9 cycles (sync=%s)", cycles, syncMode))

	t.Logf("SOAK crash cycles=%d sync=%s: %d records made, %d acknowledged, %d stored (%d duplicates, every one attributable to %d calls re-sent after a lost answer, %d records in them); "+
		"%s %d records in %d objects, %s %d rows in %d objects; kills with puts in flight %d, with delivery behind %d; problems %d; took %v",
		cycles, syncMode, st.made, st.acked, st.stored, st.duplicates, st.lostCalls, st.lostRecords,
		soakJSON, jsonRecs, jsonObjs, soakParquet, parquetRecs, parquetObjs, duringIngest, behind, p.n, time.Since(start).Round(time.Second))
}

// waitMade waits until the producers have made n records.
func waitMade(t *testing.T, f *fleet, n int) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(time.Millisecond) {
		made, _ := f.budget.state()
		if made >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the producers made %d records in %v, want %d", made, waitLimit, n)
		}
	}
}

// waitDelivery waits until a delivery stream's checkpoint moves.
func waitDelivery(t *testing.T, ep string) {
	t.Helper()
	checkpoints := func() (uint64, uint64, bool) {
		js, err1 := deliveryStatus(ep, soakJSON)
		ps, err2 := deliveryStatus(ep, soakParquet)
		return js.Status.Checkpoint, ps.Status.Checkpoint, err1 == nil && err2 == nil
	}
	deadline := time.Now().Add(waitLimit)
	j0, p0, ok := checkpoints()
	for ; !ok; j0, p0, ok = checkpoints() {
		if time.Now().After(deadline) {
			t.Fatalf("no status of %s and %s for %v", soakJSON, soakParquet, waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		time.Sleep(50 * time.Millisecond)
		if j, p, ok := checkpoints(); ok && (j > j0 || p > p0) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("neither %s nor %s delivered anything for %v", soakJSON, soakParquet, waitLimit)
		}
	}
}

// setupCrashPipelines creates the 4-shard stream, pushes the partition
// module and applies the two delivery streams.
func setupCrashPipelines(t *testing.T, ep, jsonDir, parquetDir string) {
	t.Helper()
	ctx := context.Background()
	kc := kinesisClient(ep)
	_, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(soakStream), ShardCount: aws.Int32(soakShards)})
	mustf(t, err, "CreateStream")
	deadline := time.Now().Add(waitLimit)
	for {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(soakStream)})
		mustf(t, err, "DescribeStreamSummary")
		if out.StreamDescriptionSummary.StreamStatus == kintypes.StreamStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s not ACTIVE after %v", soakStream, waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
	pushModule(t, ep, "partition", partitionWasm)
	src := delivery.Source{Kind: delivery.SourceDataStream, Stream: soakStream, StartingPosition: "TRIM_HORIZON"}
	buf := delivery.Buffering{SizeMiB: 1, IntervalSeconds: intp(1)}
	applyDefinition(t, ep, delivery.Definition{
		Name: soakJSON, Source: src, Buffering: buf,
		Format:      format.Spec{Type: format.JSONLines},
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: jsonDir}},
	})
	applyDefinition(t, ep, delivery.Definition{
		Name: soakParquet, Source: src, Buffering: buf,
		Processor: partitionProcessor(),
		Format:    partitionFormat(),
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: parquetDir},
			Prefix: partitionPrefix},
	})
}
