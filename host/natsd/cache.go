package natsd

import (
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// BlockCacheExpire is how long JetStream's file store keeps a message
// block (up to 8 MiB) in memory after its last read or write. Upstream
// nats-server keeps it 10 s and has no option for it; Sluice carries a
// patched copy (third_party/nats-server/PATCH.md) whose
// server.DefaultFileStoreCacheExpire Start sets to this. With 10 s a
// delivery stream that keeps up with its source holds the last 10 s of
// ingest, hundreds of MB at full speed (RATIONALE.md, "Memory"); with 1 s
// a reader that follows the writer still finds the block it reads cached.
const BlockCacheExpire = time.Second

var blockCacheOnce sync.Once

// setBlockCacheExpire sets the file store's cache expiry, once per process
// and before the first server is made: nats-server reads the variable
// unsynchronised whenever it opens a stream's store, and the Once orders
// that read after this write for every server Start makes.
func setBlockCacheExpire() {
	blockCacheOnce.Do(func() { server.DefaultFileStoreCacheExpire = BlockCacheExpire })
}
