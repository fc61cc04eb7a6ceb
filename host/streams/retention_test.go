package streams

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/jstest"
)

// TestRetentionChangeHoldsTheStreamUpdating: a retention change rewrites
// the JetStream stream's configuration, as a reshard's fence does, so the
// two never run at once: one is refused while the other holds the stream
// UPDATING, and a change a crash interrupted is finished at Open. The
// subjects the fence set survive a retention change.
func TestRetentionChangeHoldsTheStreamUpdating(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "s", 2); err != nil {
		t.Fatal(err)
	}
	var during error
	e.hook = func(p string) {
		if p == phaseFenced {
			during = e.SetRetention(ctx, "s", 48, true)
		}
	}
	if err := e.UpdateShardCount(ctx, "s", 3); err != nil {
		t.Fatal(err)
	}
	e.hook = nil
	if !errors.Is(during, ErrInUse) {
		t.Fatalf("retention change during a reshard: %v, want ErrInUse", during)
	}
	if err := e.SetRetention(ctx, "s", 48, true); err != nil {
		t.Fatal(err)
	}
	s, _ := e.DescribeStream(ctx, "s")
	info, err := e.storageInfo(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != StatusActive || s.RetentionHours != 48 || info.Config.MaxAge != 48*time.Hour {
		t.Fatalf("after the change: %s, %d hours, MaxAge %v", s.Status, s.RetentionHours, info.Config.MaxAge)
	}
	if got, want := info.Config.Subjects, openSubjects(s, 0); len(got) != len(want) || got[0] != want[0] {
		t.Fatalf("subjects %v, want %v", got, want)
	}

	// A change interrupted after it marked the stream: Open finishes it.
	if _, err := e.update(ctx, "s", func(s *Stream) error {
		s.Status, s.PendingRetention, s.UpdatingSince = StatusUpdating, 72, time.Now()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e2 := openEngine(t, srv)
	s, _ = e2.DescribeStream(ctx, "s")
	info, _ = e2.storageInfo(ctx, "s")
	if s.Status != StatusActive || s.RetentionHours != 72 || s.PendingRetention != 0 || info.Config.MaxAge != 72*time.Hour {
		t.Fatalf("after recovery: %s, %d hours (pending %d), MaxAge %v", s.Status, s.RetentionHours, s.PendingRetention, info.Config.MaxAge)
	}
}
