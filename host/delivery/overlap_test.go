package delivery

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// While a batch is being written the next one is built and processed
// (loop.go), but its intent, and so any object of it, waits for the first
// one's checkpoint: there is one intent at a time. Whether the first batch
// then gets through or the server restarts first (and replays it), every
// record is delivered exactly once.
func TestNextBatchWaitsForTheOneBeingWritten(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%t", restart), func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			out := t.TempDir()
			e.create(folderDef("ov", out))
			warm := numbered(1, `{"warm":%d}`)
			e.waitCheckpoint("ov", lastID(t, e.put("ov", warm)))

			unblock := block(t, out)
			first := numbered(1, `{"first":%d}`)
			firstIDs := e.put("ov", first)
			e.waitState("ov", StatusRetrying) // the first batch is being written, again and again
			second := numbered(4, `{"second":%d}`)
			secondIDs := e.put("ov", second)

			// Nothing may replace the first batch's intent meanwhile (with
			// the next batch's) nor move the checkpoint. A second is plenty
			// for the next batch to be read and processed; a slower machine
			// only makes this check weaker, never failing.
			for range 100 {
				pos, err := e.m.store.getPos(ctx, "ov")
				if err != nil {
					t.Fatal(err)
				}
				if pos.Checkpoint != 1 || pos.Intent == nil ||
					pos.Intent.First != lastID(t, firstIDs) || pos.Intent.Last != lastID(t, firstIDs) {
					t.Fatalf("position %+v (intent %+v) while the first batch (2) is being written: want checkpoint 1 and its intent", pos, pos.Intent)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if restart {
				e.restart()
			}
			unblock()
			e.waitCheckpoint("ov", lastID(t, secondIDs))
			checkOnce(t, countLines(objects(t, out)), slices.Concat(warm, first, second))
			pos, err := e.m.store.getPos(ctx, "ov")
			if err != nil {
				t.Fatal(err)
			}
			if pos.Intent != nil {
				t.Fatalf("intent %+v left after delivering everything", pos.Intent)
			}
		})
	}
}
