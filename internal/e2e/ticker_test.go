package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ticker sends records in small batches at a steady pace until stopped:
// the producer of the outage tests. Each record carries the phase in
// which its put began.
type ticker struct {
	send  sender
	keys  int
	every time.Duration
	size  int

	phase  atomic.Int32
	mu     sync.Mutex
	recs   []*rec
	phases map[*rec]int32
	// acked is how many of recs are acknowledged: the first ones, since
	// puts do not overlap.
	acked int
	stop  chan struct{}
	done  chan struct{}
	err   error
}

func newTicker(send sender, keys, size int, every time.Duration) *ticker {
	return &ticker{send: send, keys: keys, size: size, every: every, phases: map[*rec]int32{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

// put sends n more records now (500 a call), resending the ones
// refused, and returns them.
func (tk *ticker) put(ctx context.Context, n int) ([]*rec, error) {
	tk.mu.Lock()
	base := len(tk.recs)
	phase := tk.phase.Load()
	batch := make([]*rec, n)
	for j := range batch {
		i := base + j
		batch[j] = goodRecord(fmt.Sprintf("k%d", i%tk.keys), i/tk.keys, i)
		tk.phases[batch[j]] = phase
	}
	tk.recs = append(tk.recs, batch...)
	tk.mu.Unlock()
	for start := 0; start < n; start += 500 {
		pending := batch[start:min(start+500, n)]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 50 {
				return nil, fmt.Errorf("%d records still refused after %d attempts", len(pending), attempt)
			}
			if attempt > 0 {
				time.Sleep(50 * time.Millisecond)
			}
			var err error
			if pending, err = tk.send(ctx, pending); err != nil {
				return nil, err
			}
		}
	}
	tk.mu.Lock()
	tk.acked += n
	tk.mu.Unlock()
	return batch, nil
}

// start sends a batch every tk.every until halt.
func (tk *ticker) start() {
	go func() {
		defer close(tk.done)
		for {
			select {
			case <-tk.stop:
				return
			case <-time.After(tk.every):
			}
			if _, err := tk.put(context.Background(), tk.size); err != nil {
				tk.err = err
				return
			}
		}
	}()
}

// halt stops the ticker and returns every record it sent, failing the
// test if a put failed.
func (tk *ticker) halt(t testing.TB) []*rec {
	t.Helper()
	close(tk.stop)
	<-tk.done
	if tk.err != nil {
		t.Fatalf("put: %v", tk.err)
	}
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return tk.recs
}

// countPhase counts the records whose put began in phase p.
func countPhase(tk *ticker, recs []*rec, p int32) int {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	n := 0
	for _, r := range recs {
		if tk.phases[r] == p {
			n++
		}
	}
	return n
}
