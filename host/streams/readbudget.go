package streams

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Read memory limits.
const (
	// DefaultMaxReadBytes is the default server-wide cap on the bytes of
	// GetRecords answers in flight (read from JetStream and not yet
	// written to their callers): about three full answers of MaxGetBytes.
	DefaultMaxReadBytes = 32 << 20
	// readGrantMax is what one GetRecords of a stream of the default
	// record size asks of the cap: a full answer (MaxGetBytes of data),
	// the one record JetStream may send past the byte limit it is given,
	// and the records' headers (readSlack). A stream whose record size
	// was raised asks for more: see readSlack.
	readGrantMax = MaxGetBytes + readGrantSlack
	// readGrantMin is the least grant a GetRecords of such a stream reads
	// with: twice its slack, so that the batch may hold one record of the
	// largest size. A smaller grant answers fewer records, as AWS does
	// when a shard is busy. It is also the least Config.MaxReadBytes.
	readGrantMin = 2 * readGrantSlack
	// readGrantSlack is readSlack of a stream of the default record size.
	readGrantSlack = MaxRecordData + readHeaderSlack
	// readHeaderSlack covers the headers of the records of one answer.
	readHeaderSlack = 64 << 10
	// readRecordOverhead is what a read record holds beside its data (its
	// subject and headers, parsed into a map), as the budget counts it
	// once the read is done.
	readRecordOverhead = 1 << 10
	// readBudgetWait is how long a GetRecords waits for the cap before it
	// fails with ErrThroughput (ProvisionedThroughputExceededException,
	// which the AWS SDKs retry with backoff).
	readBudgetWait = 2 * time.Second
	// returnMemoryAfter is how many bytes of answers, once reads are idle
	// for returnMemoryDelay, make the engine return the heap they grew to
	// the operating system (without that, an idle server keeps the heap
	// goal of the burst until the runtime's two-minute forced collection).
	returnMemoryAfter = 64 << 20
	returnMemoryDelay = 2 * time.Second
)

// readBudget bounds the bytes of GetRecords answers in flight, server
// wide, first come first served, and returns the memory of a burst of
// reads once they stop.
type readBudget struct {
	max  int64
	wait time.Duration // readBudgetWait; shorter in tests

	mu       sync.Mutex
	used     int64
	waiting  []*readWaiter // in arrival order
	sinceGC  int64         // bytes granted since memory was last returned
	idleTime *time.Timer
}

// readWaiter is a read waiting for its grant of up to want bytes, at
// least least.
type readWaiter struct {
	want, least int64
	granted     chan *readGrant // buffered: put never blocks
}

// readSlack is what a grant holds beyond the bytes a read asks of
// JetStream, for a stream whose records hold up to maxRecord bytes: one
// record past the byte limit of a batch (JetStream stops a batch after
// the record that crosses its limit) and the records' headers. A read
// needs at least twice it (its minimum grant) and asks for MaxGetBytes
// more (its full grant).
func readSlack(maxRecord int) int64 { return int64(maxRecord) + readHeaderSlack }

// readMinGrant is the least a read of a stream whose records hold up to
// maxRecord bytes can make progress with: the budget must hold at least
// this much, or that stream could never be read.
func readMinGrant(maxRecord int) int64 { return 2 * readSlack(maxRecord) }

func newReadBudget(max int64) *readBudget { return &readBudget{max: max, wait: readBudgetWait} }

// readGrant is bytes taken from the budget, given back once by release.
type readGrant struct {
	b    *readBudget
	n    int64
	once sync.Once
}

func (g *readGrant) release() {
	if g == nil {
		return
	}
	g.once.Do(func() { g.b.put(g.n) })
}

// shrink gives back what the grant holds beyond n bytes, once a read
// knows what it holds (called before release, by the read's goroutine).
func (g *readGrant) shrink(n int64) {
	if n < g.n {
		g.b.put(g.n - n)
		g.n = n
	}
}

// take grants a GetRecords of a stream whose slack is slack (readSlack)
// up to MaxGetBytes+slack bytes (readGrantMax for a stream of the default
// record size), at least 2*slack, after the reads that came first,
// waiting up to readBudgetWait. It returns nil when the wait ran out (or
// ctx ended).
func (b *readBudget) take(ctx context.Context, slack int64) *readGrant {
	return b.takeSize(ctx, MaxGetBytes+slack, 2*slack)
}

// takeSize is take for a grant of up to want bytes and at least least
// (both capped at the budget's size).
func (b *readBudget) takeSize(ctx context.Context, want, least int64) *readGrant {
	want, least = min(want, b.max), min(least, want, b.max)
	b.mu.Lock()
	if len(b.waiting) == 0 {
		if g := b.grantLocked(want, least); g != nil {
			b.mu.Unlock()
			return g
		}
	}
	w := &readWaiter{want: want, least: least, granted: make(chan *readGrant, 1)}
	b.waiting = append(b.waiting, w)
	b.mu.Unlock()

	deadline := time.NewTimer(b.wait)
	defer deadline.Stop()
	select {
	case g := <-w.granted:
		return g
	case <-deadline.C:
	case <-ctx.Done():
	}
	b.mu.Lock()
	for i, o := range b.waiting {
		if o == w {
			b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
			b.mu.Unlock()
			return nil
		}
	}
	b.mu.Unlock()
	// Granted meanwhile (the grant is in the channel): too late, give it
	// back.
	(<-w.granted).release()
	return nil
}

// grantLocked takes a grant of up to want bytes, at least least, if the
// budget has room; b.mu is held.
func (b *readBudget) grantLocked(want, least int64) *readGrant {
	free := b.max - b.used
	if free < least {
		return nil
	}
	n := min(want, free)
	b.used += n
	b.sinceGC += n
	if b.idleTime != nil {
		b.idleTime.Stop()
		b.idleTime = nil
	}
	return &readGrant{b: b, n: n}
}

func (b *readBudget) put(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	for len(b.waiting) > 0 {
		w := b.waiting[0]
		g := b.grantLocked(w.want, w.least)
		if g == nil {
			break
		}
		w.granted <- g
		b.waiting = b.waiting[1:]
	}
	if b.used == 0 && b.sinceGC >= returnMemoryAfter && b.idleTime == nil {
		b.idleTime = time.AfterFunc(returnMemoryDelay, b.returnMemory)
	}
}

// returnMemory gives the heap of a burst of reads back to the operating
// system, if reads are still idle.
func (b *readBudget) returnMemory() {
	b.mu.Lock()
	if b.used != 0 || b.idleTime == nil {
		b.mu.Unlock()
		return
	}
	b.idleTime, b.sinceGC = nil, 0
	b.mu.Unlock()
	debug.FreeOSMemory()
}

// hold makes res keep g until res.Release, or until res is collected
// without it (a caller that forgot).
func (res *ReadResult) hold(g *readGrant) {
	res.grant = g
	runtime.AddCleanup(res, func(g *readGrant) { g.release() }, g)
}

// Release returns the bytes of this answer to the engine's read budget
// (Config.MaxReadBytes): call it once the records have been written out
// (they stay valid, but no longer count). It may be called more than
// once.
func (res *ReadResult) Release() {
	if res != nil {
		res.grant.release()
	}
}
