package natsd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/disktest"
)

// hangGuard ends a wait that would otherwise hang; it is not a timing
// assertion.
const hangGuard = time.Minute

func startJS(t *testing.T, cfg Config) (*Server, jetstream.JetStream) {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	nc, err := s.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return s, js
}

// TestMaxStoreEnforced: the configured limit is JetStream's: past it a
// publish is refused at once with "insufficient resources".
func TestMaxStoreEnforced(t *testing.T) {
	ctx := context.Background()
	s, js := startJS(t, Config{DataDir: t.TempDir(), MaxStore: StoreLimit{Bytes: 2 << 20}})
	if s.MaxStore() != 2<<20 {
		t.Fatalf("MaxStore %d", s.MaxStore())
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s"}}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 10<<10)
	for i := range 1000 {
		_, err := js.Publish(ctx, "s", data)
		if err == nil {
			continue
		}
		var api *jetstream.APIError
		if !errors.As(err, &api) || api.ErrorCode != 10023 {
			t.Fatalf("publish %d: %v, want insufficient resources (10023)", i, err)
		}
		if used := s.StoreUsed(); used < 2<<20 {
			t.Fatalf("refused at %d bytes used, under the 2 MiB limit", used)
		}
		if s.StorageErr() != nil {
			t.Fatalf("a store at its limit is not failed: %v", s.StorageErr())
		}
		return
	}
	t.Fatal("10 MiB stored under a 2 MiB limit")
}

// TestStorageGuardRecoversFromENOSPC: a real out-of-space error wedges the
// stream that saw it (nats-server keeps the write error and never answers
// its publishers again); the guard reports it at once and, once space is
// free, restarts JetStream in process, after which the same stream takes
// writes and every acknowledged message is there.
func TestStorageGuardRecoversFromENOSPC(t *testing.T) {
	ctx := context.Background()
	dir := disktest.Tmpfs(t, 64<<20)
	s, js := startJS(t, Config{DataDir: dir, MaxStore: StoreLimit{Bytes: 1 << 30}})
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s"}}); err != nil {
		t.Fatal(err)
	}
	failing := s.StorageFailing()
	filler := disktest.Fill(t, dir, 2<<20)
	var acked []uint64
	data := make([]byte, 10<<10)
	start := time.Now()
publish:
	for i := 0; ; i++ {
		f, err := js.PublishAsync("s", fmt.Appendf(data[:0:0], "%d-%s", i, data))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case ack := <-f.Ok():
			acked = append(acked, ack.Sequence)
		case err := <-f.Err():
			t.Fatalf("publish %d: %v (JetStream answers nothing on a write error)", i, err)
		case <-failing:
			break publish
		case <-time.After(hangGuard):
			t.Fatalf("publish %d: no answer and no storage failure in %s", i, hangGuard)
		}
	}
	t.Logf("disk full after %d messages; the failure was seen %s after the first publish", len(acked), time.Since(start))
	err := s.StorageErr()
	if !errors.Is(err, ErrStorageFailed) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("StorageErr %v, want ErrStorageFailed naming the full disk", err)
	}
	// No room: no restart, the failure stays.
	if err := s.CheckStorage(ctx); err == nil {
		t.Fatal("store reported writable on a full disk")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(hangGuard)
	for s.StorageErr() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("still failing %s after space was freed: %v", hangGuard, s.StorageErr())
		}
		time.Sleep(50 * time.Millisecond)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := js.Publish(pctx, "s", []byte("after")); err != nil {
		t.Fatalf("publish after recovery: %v", err)
	}
	stream, err := js.Stream(ctx, "S")
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range acked {
		if _, err := stream.GetMsg(ctx, seq); err != nil {
			t.Fatalf("acknowledged message %d: %v", seq, err)
		}
	}
}
