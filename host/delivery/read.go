package delivery

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/streams"
)

// pullSlack is what a pulled message may weigh beyond its payload
// (subject, headers, reply subject).
const pullSlack = 64 << 10

// pullBytes bounds what the NATS client buffers of the source: enough for
// the largest message the server accepts, so a pull always makes progress,
// and no more.
func (m *Manager) pullBytes() int {
	return int(m.nc.MaxPayload()) + pullSlack
}

// read follows the source in stream order from the consumer's start and
// queues each record until ctx ends. The consumer is an ordered consumer:
// no acknowledgements, gaps are repaired by recreating it, and the position
// that matters is the checkpoint in the key-value bucket.
func (p *pipeline) read(ctx context.Context, cons jetstream.Consumer, q *readQueue) error {
	it, err := cons.Messages(jetstream.PullMaxBytes(p.m.pullBytes()))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	fromStream := p.def.Source.Kind == SourceDataStream
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read: %w", err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		r := record{seq: md.Sequence.Stream, arrival: md.Timestamp, data: msg.Data()}
		if fromStream && streams.IsBarrier(msg.Subject()) {
			r.barrier, r.data = true, nil
		} else if fromStream {
			src := streams.DecodeSource(msg.Subject(), msg.Headers(), r.seq)
			r.shardID, r.partitionKey, r.sequenceNumber = src.ShardID, src.PartitionKey, src.SequenceNumber
			p.m.met.incomingRecords.WithLabelValues(p.def.Name).Inc()
			p.m.met.incomingBytes.WithLabelValues(p.def.Name).Add(float64(len(r.data)))
			p.count(1, len(r.data))
		}
		if err := q.push(ctx, r); err != nil {
			return nil // ctx ended
		}
	}
}
