package host

import (
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/streams"
)

// MemoryBudget is the sum, in bytes, of the server-wide buffer budgets a
// server run with cfg holds in memory while it works: the GetRecords read
// budget (streams.DefaultMaxReadBytes), one delivery stream's read-ahead
// (delivery.DefaultReadAheadBytes) and the NATS pull behind it
// (natsd.DefaultMaxPayload), and the records two publishers (data
// streams, direct puts) may have in flight (streams.PublishMaxPendingBytes
// each). `sluice serve` derives its default memory limit from it
// (memlimit.Default).
//
// A delivery stream's batches are left out: their size is in each
// definition (up to 128 MiB), unknown when the server starts; so are
// request bodies, bounded by --max-requests and awsjson's body limit but
// in practice far below it.
func MemoryBudget(cfg Config) int64 {
	_ = cfg // every budget counted is a default today; cfg is where a configurable one will come from
	return streams.DefaultMaxReadBytes +
		delivery.DefaultReadAheadBytes + natsd.DefaultMaxPayload +
		2*streams.PublishMaxPendingBytes
}
