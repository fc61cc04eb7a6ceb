package jstest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func TestStartPublishRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := Start(t, dir)
	if _, err := s.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JS.Publish(ctx, "t.a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	s = Start(t, dir)
	st, err := s.JS.Stream(ctx, "T")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("after restart: %d messages, want 1", info.State.Msgs)
	}
}
