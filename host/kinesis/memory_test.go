package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/streams"
)

// liveHeap is the heap in use as of the last GC.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// readConcurrently reads readers shards at once with readShard, each
// from the iterator iter gives it, while it samples the live heap every
// millisecond; it returns the records read in all and the highest live
// heap seen.
func (e *env) readConcurrently(t *testing.T, readers int, iter func(r int) string) (int64, uint64) {
	var maxLive atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			maxLive.Store(max(maxLive.Load(), liveHeap()))
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	var read atomic.Int64
	for r := range readers {
		wg.Go(func() {
			n, err := e.readShard(t, iter(r))
			if err != nil {
				t.Error(err)
			}
			read.Add(int64(n))
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	return read.Load(), maxLive.Load()
}

// readShard reads a shard to its end through the HTTP API as a client
// that decodes the answer token by token (so the reader holds no answer
// in memory), retrying throttled reads; it returns the records read.
func (e *env) readShard(t *testing.T, iter string) (int, error) {
	n, failures := 0, 0
	for {
		status, next, got, behind, err := e.streamedGetRecords(iter)
		var ie *internalError
		if errors.As(err, &ie) && failures < 3 {
			// A JetStream read that timed out (10 s) on a loaded machine
			// under -race: InternalFailure, which the SDKs retry too.
			failures++
			continue
		}
		if err != nil {
			return n, err
		}
		if status == http.StatusBadRequest { // throttled: the budget is taken
			time.Sleep(20 * time.Millisecond)
			continue
		}
		n += got
		if got == 0 && behind == 0 {
			// An empty answer is the end only when it says the shard has
			// nothing more: a read on a loaded machine may come back empty
			// before JetStream delivers, with records still behind it.
			return n, nil
		}
		iter = next
	}
}

func (e *env) streamedGetRecords(iter string) (status int, next string, records int, behind int64, err error) {
	req, err := http.NewRequest(http.MethodPost, e.http.URL, bytes.NewReader(mustJSON(map[string]any{"ShardIterator": iter})))
	if err != nil {
		return 0, "", 0, 0, err
	}
	req.Header.Set("X-Amz-Target", target+"GetRecords")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusInternalServerError && bytes.Contains(b, []byte(InternalFailure)) {
			return 0, "", 0, 0, &internalError{fmt.Sprintf("GetRecords: %d %s", resp.StatusCode, b)}
		}
		if !bytes.Contains(b, []byte(ThroughputExceeded)) {
			return 0, "", 0, 0, fmt.Errorf("GetRecords: %d %s", resp.StatusCode, b)
		}
		return resp.StatusCode, "", 0, 0, nil
	}
	dec := json.NewDecoder(resp.Body)
	var key string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return resp.StatusCode, next, records, behind, nil
		}
		if err != nil {
			return 0, "", 0, 0, err
		}
		switch v := tok.(type) {
		case float64:
			if key == "MillisBehindLatest" {
				behind = int64(v)
			}
		case string:
			if dec.More() && key == "" {
				key = v
				continue
			}
			if key == "NextShardIterator" {
				next = v
			}
			if key == "SequenceNumber" {
				records++
			}
		}
		key = ""
	}
}

// TestLargeReadsStayWithinTheReadBudget reads a 48 MiB stream with
// sixteen concurrent readers, each answer up to 10 MiB: the live heap
// never grows by more than three times the engine's read budget beside
// JetStream's own block caches (answers built in memory without a budget
// took several hundred MiB), and once those caches expire it is back
// where it started.
func TestLargeReadsStayWithinTheReadBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 48 MiB")
	}
	ctx := context.Background()
	e := start(t, "")
	const shards, perShard, size, readers = 4, 3072, 4 << 10, 16
	e.createStream(t, "big", shards)
	data := bytes.Repeat([]byte("r"), size)
	for sh := range shards {
		key := streams.SplitHashRange(shards)[sh].Start.String()
		for n := 0; n < perShard; n += 256 {
			recs := make([]streams.Record, 256)
			for i := range recs {
				recs[i] = streams.Record{Data: data, PartitionKey: "k", ExplicitHashKey: key}
			}
			if _, err := e.engine.PutRecords(ctx, "big", recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	runtime.GC()
	base := liveHeap()

	read, peak := e.readConcurrently(t, readers, func(r int) string {
		return e.iterator(t, "big", streams.ShardID(r%shards), "TRIM_HORIZON", nil, nil)
	})
	if read != readers*perShard {
		t.Fatalf("read %d records, want %d", read, readers*perShard)
	}
	// In flight: the answers' records as JetStream loaded them, as it
	// queued them to the engine and as the engine holds them (each within
	// the budget); beside them JetStream's block caches, which hold at
	// most the stream itself (data and headers).
	grew := int64(peak) - int64(base)
	stored := int64(shards*perShard) * (size + 512)
	bound := 3*int64(streams.DefaultMaxReadBytes) + stored
	t.Logf("live heap: %d MiB before the reads, at most %d MiB more during them (bound %d MiB)", base>>20, grew>>20, bound>>20)
	if grew > bound {
		t.Errorf("live heap grew by %d MiB during the reads, more than %d MiB (three times the read budget and the stream's %d MiB)", grew>>20, bound>>20, stored>>20)
	}
	// JetStream drops the cache of a block idle for 10 s; then the heap
	// is back where it started.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		runtime.GC()
		after := int64(liveHeap()) - int64(base)
		if after <= 16<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("live heap still %d MiB above where it started a minute after the reads", after>>20)
		}
	}
}

// internalError is a GetRecords answered InternalFailure (HTTP 500).
type internalError struct{ msg string }

func (e *internalError) Error() string { return e.msg }
