package host

import (
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/streams"
)

// MemoryBudget is the sum, in bytes, of the buffer budgets a working
// server run with cfg fills: the GetRecords read budget
// (streams.DefaultMaxReadBytes); one delivery stream at the default
// buffering size, that is its read-ahead (delivery.DefaultReadAheadBytes),
// the NATS pull behind it (natsd.DefaultMaxPayload) and its two batches
// (delivery.DefaultBufferMiB each); and one publisher's records in flight
// (streams.PublishMaxPendingBytes). `sluice serve` derives its default
// memory limit from it (memlimit.Default).
//
// Left out, so that the default stays near what a server delivering one
// stream needs (see RATIONALE.md, "Memory"): the second publisher's
// budget (data streams and direct puts each have one; a box seldom fills
// both), more delivery streams and larger buffering sizes (each
// definition's, unknown at start), and request bodies (bounded by
// --max-requests and awsjson's body limit, in practice far below it).
// Past the limit the garbage collector works harder; nothing fails.
func MemoryBudget(cfg Config) int64 {
	_ = cfg // every budget counted is a default today; a configurable one will come from cfg
	const mib = 1 << 20
	return streams.DefaultMaxReadBytes +
		delivery.DefaultReadAheadBytes + natsd.DefaultMaxPayload + 2*delivery.DefaultBufferMiB*mib +
		streams.PublishMaxPendingBytes
}
