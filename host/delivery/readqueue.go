package delivery

import (
	"context"

	"golang.org/x/sync/semaphore"
)

const (
	// DefaultReadAheadBytes bounds, per delivery stream, the source
	// records read but not yet taken into a batch (Config.ReadAheadBytes).
	// Besides it the NATS client buffers at most one pull of the source:
	// the connection's maximum payload (pullBytes).
	DefaultReadAheadBytes = 8 << 20
	// MinReadAheadBytes is the smallest read-ahead: two of the largest
	// records.
	MinReadAheadBytes = 2 << 20
	// readQueueRecords bounds the queue in records too, so tiny records
	// do not cost a goroutine wake-up each.
	readQueueRecords = 4096
	// recordOverhead is what a record costs beyond its data and key: the
	// struct, the strings of its source metadata.
	recordOverhead = 128
)

// readQueue carries records from a pipeline's reader to its batching loop,
// bounded in bytes: the reader waits while the records in it weigh more
// than the limit (one record is always let through, however large).
type readQueue struct {
	c   chan record
	sem *semaphore.Weighted
	max int64
}

func newReadQueue(maxBytes int64) *readQueue {
	return &readQueue{c: make(chan record, readQueueRecords), sem: semaphore.NewWeighted(maxBytes), max: maxBytes}
}

func (q *readQueue) weight(r *record) int64 {
	w := int64(len(r.data) + len(r.partitionKey) + len(r.shardID) + len(r.sequenceNumber) + recordOverhead)
	return min(w, q.max)
}

// push waits for room and queues r; it fails only when ctx ends.
func (q *readQueue) push(ctx context.Context, r record) error {
	w := q.weight(&r)
	if err := q.sem.Acquire(ctx, w); err != nil {
		return err
	}
	select {
	case q.c <- r:
		return nil
	case <-ctx.Done():
		q.sem.Release(w)
		return ctx.Err()
	}
}

// taken gives back the room of a record received from q.c.
func (q *readQueue) taken(r *record) { q.sem.Release(q.weight(r)) }
