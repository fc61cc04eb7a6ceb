package streams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

// TestDeleteWhilePutting deletes a stream while producers put to it
// without pause: every put either stores all its records (before the
// delete) or is refused as not found; none fails its records or waits on
// storage that vanished; the delete itself succeeds.
func TestDeleteWhilePutting(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	for round := range 3 {
		if err := e.CreateStream(ctx, "s", 2); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		stored, refused := 0, 0
		for p := range 4 {
			wg.Go(func() {
				recs := make([]Record, 50)
				for j := range recs {
					recs[j] = Record{Data: []byte("x"), PartitionKey: fmt.Sprintf("p%d-%d", p, j)}
				}
				for {
					var res []PutResult
					var err error
					if p == 0 {
						var r PutResult
						r, err = e.PutRecord(ctx, "s", recs[0], "")
						res = []PutResult{r}
					} else {
						res, err = e.PutRecords(ctx, "s", recs)
					}
					mu.Lock()
					if errors.Is(err, ErrNotFound) {
						refused++
						mu.Unlock()
						return
					}
					mu.Unlock()
					if err != nil {
						t.Errorf("round %d: put: %v, want success or not found", round, err)
						return
					}
					for _, r := range res {
						if r.Err != nil {
							t.Errorf("round %d: record failed: %v", round, r.Err)
							return
						}
					}
					mu.Lock()
					stored++
					mu.Unlock()
				}
			})
		}
		time.Sleep(50 * time.Millisecond)
		if err := e.DeleteStream(ctx, "s"); err != nil {
			t.Fatalf("round %d: delete: %v", round, err)
		}
		wg.Wait()
		if stored == 0 || refused != 4 {
			t.Fatalf("round %d: %d puts stored, %d producers refused", round, stored, refused)
		}
	}
}

// TestStorageGoneUnderTheDefinition deletes the JetStream stream under a
// definition this engine still holds (what another host's delete looks
// like before the watcher delivers it): puts and reads answer not found.
func TestStorageGoneUnderTheDefinition(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 1); err != nil {
		t.Fatal(err)
	}
	putN(t, e, "s", 3)
	tok, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.JS.DeleteStream(ctx, jsName("s")); err != nil {
		t.Fatal(err)
	}
	checks := map[string]func() error{
		"PutRecord": func() error {
			_, err := e.PutRecord(ctx, "s", Record{Data: []byte("x"), PartitionKey: "k"}, "")
			return err
		},
		"PutRecords": func() error {
			_, err := e.PutRecords(ctx, "s", []Record{{Data: []byte("x"), PartitionKey: "k"}})
			return err
		},
		"GetShardIterator LATEST": func() error {
			_, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: Latest})
			return err
		},
		"GetShardIterator AT_SEQUENCE_NUMBER": func() error {
			_, err := e.GetShardIterator(ctx, "s", ShardID(0), IteratorRequest{Type: AtSequenceNumber, StartingSequenceNumber: "2"})
			return err
		},
		"GetRecords":  func() error { _, err := e.GetRecords(ctx, tok, 10); return err },
		"SplitShard":  func() error { return e.SplitShard(ctx, "s", ShardID(0), "1000") },
		"Retention":   func() error { return e.SetRetention(ctx, "s", 48, true) },
		"DeleteAgain": func() error { return e.DeleteStream(ctx, "s") },
	}
	for name, do := range checks {
		if err := do(); err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		} else if err == nil && name != "DeleteAgain" {
			t.Errorf("%s succeeded on a stream without storage", name)
		}
	}
}
