package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// budget is how many records the producers may make so far; the crash
// test raises it every cycle, and the last raise is final.
type budget struct {
	mu          sync.Mutex
	made, limit int
	final       bool
}

func (b *budget) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.made < b.limit {
		b.made++
		return true
	}
	return false
}

func (b *budget) raise(limit int, final bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit, b.final = limit, final
}

// done: the last budget is spent.
func (b *budget) done() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.final && b.made >= b.limit
}

func (b *budget) state() (made, limit int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.made, b.limit
}

// fleet is what the producers share: the client of the server now
// running (replaced at each restart), the budget, and what they counted.
type fleet struct {
	stream    string
	client    atomic.Pointer[kinesis.Client]
	budget    budget
	totalKeys int
	acked     atomic.Int64
	lostCalls atomic.Int64
	maxSeq    atomic.Uint64
}

func (f *fleet) noteSeq(seq uint64) {
	for {
		m := f.maxSeq.Load()
		if seq <= m || f.maxSeq.CompareAndSwap(m, seq) {
			return
		}
	}
}

// producer writes per-key counters with PutRecords, as a careful Kinesis
// producer that wants per-key order does: one record per key per call,
// and a key's next counter only once the previous one is acknowledged. A
// record refused with an ErrorCode is sent again; so is a whole call whose
// answer was lost (the server was killed), and that call may have stored
// some of its records: the ledger notes the call, so a copy it left is
// attributable.
type producer struct {
	id    int
	first int // index of its first key among all keys
	keys  []string
	recs  [][]*sent // per key: its records by counter
	next  []int     // per key: the first counter not yet acknowledged
	calls int
}

// callLimit ends a PutRecords that hangs; it is not a timing assertion.
const callLimit = waitLimit

func newProducer(id, first, keys int) *producer {
	p := &producer{id: id, first: first, recs: make([][]*sent, keys), next: make([]int, keys)}
	for i := range keys {
		p.keys = append(p.keys, fmt.Sprintf("k%d", first+i))
	}
	return p
}

// run sends until the final budget is spent and every record it made is
// acknowledged, or ctx ends.
func (p *producer) run(ctx context.Context, f *fleet) {
	for ctx.Err() == nil {
		var batch []*sent
		var idx []int
		for ki, key := range p.keys {
			if p.next[ki] == len(p.recs[ki]) {
				if !f.budget.take() {
					continue
				}
				n := len(p.recs[ki])
				p.recs[ki] = append(p.recs[ki], &sent{rec: goodRecord(key, n, n*f.totalKeys+p.first+ki)})
			}
			batch = append(batch, p.recs[ki][p.next[ki]])
			idx = append(idx, ki)
		}
		if len(batch) == 0 {
			if f.budget.done() {
				return
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		p.calls++
		call := fmt.Sprintf("p%d#%d", p.id, p.calls)
		recs := make([]*rec, len(batch))
		for i, s := range batch {
			recs[i] = s.rec
		}
		cctx, cancel := context.WithTimeout(ctx, callLimit)
		_, err := sendStream(cctx, f.client.Load(), f.stream, recs)
		cancel()
		if err != nil {
			if !neverSent(err) {
				for _, s := range batch {
					s.lostIn = append(s.lostIn, call)
				}
				f.lostCalls.Add(1)
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		refused := false
		for i, s := range batch {
			if !s.acked {
				s.refused++
				refused = true
				continue
			}
			p.next[idx[i]]++
			f.acked.Add(1)
			f.noteSeq(s.seq)
		}
		if refused {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// neverSent says a call failed before it reached a server (nothing
// listened): it cannot have stored anything.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
