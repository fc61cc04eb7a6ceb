package streams

import (
	"context"
	"testing"

	"github.com/sluice-io/sluice/internal/jstest"
)

// TestManyShardsAreSubjects: a stream of hundreds of shards is a
// JetStream stream of as many subjects (and its barrier subject), created,
// resharded and put to.
func TestManyShardsAreSubjects(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "big", DefaultMaxShards/4); err != nil {
		t.Fatal(err)
	}
	if err := e.UpdateShardCount(ctx, "big", DefaultMaxShards/2); err != nil {
		t.Fatal(err)
	}
	putN(t, e, "big", 10)
	info, err := e.storageInfo(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	barriers, err := e.barriers(ctx, "big", 0)
	if err != nil {
		t.Fatal(err)
	}
	// 10 records and the barriers of the reshard's splits (kept: see
	// barrier).
	if len(info.Config.Subjects) != DefaultMaxShards/2+1 || info.State.Msgs-barriers != 10 || barriers == 0 {
		t.Fatalf("%d subjects, %d messages, %d of them barriers", len(info.Config.Subjects), info.State.Msgs, barriers)
	}
}
