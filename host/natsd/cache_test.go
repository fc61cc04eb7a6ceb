package natsd

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// TestBlockCacheExpire: a server Start made keeps a file store's block
// cache BlockCacheExpire, not upstream's 10 s. It fails when Start does not
// set the patched nats-server's variable, and it does not build against a
// stock nats-server (the variable is the patch; see
// third_party/nats-server/PATCH.md).
func TestBlockCacheExpire(t *testing.T) {
	const upstream = 10 * time.Second
	if BlockCacheExpire >= upstream {
		t.Fatalf("BlockCacheExpire %v, want below upstream's %v", BlockCacheExpire, upstream)
	}
	s, err := Start(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := server.DefaultFileStoreCacheExpire; got != BlockCacheExpire {
		t.Fatalf("server.DefaultFileStoreCacheExpire %v after Start, want %v", got, BlockCacheExpire)
	}
}
