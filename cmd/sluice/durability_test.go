package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/proctest"
)

// buildBinary compiles the sluice command for a test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sluice")
	proctest.Build(t, "../..", bin)
	return bin
}

// serveProcess starts `sluice serve` as a child process on dataDir and
// returns its endpoint once it listens.
func serveProcess(t *testing.T, bin, dataDir string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	return proctest.Serve(t, bin, "", append([]string{"--data-dir", dataDir}, extra...)...)
}

// TestKill9KeepsAcknowledgedRecords writes records, kills the server with
// SIGKILL (no shutdown of any kind), restarts it on the same data directory
// and reads every acknowledged record back, with the stream's definition.
func TestKill9KeepsAcknowledgedRecords(t *testing.T) {
	bin := buildBinary(t)
	for _, mode := range []string{"default", "always"} {
		t.Run("sync="+mode, func(t *testing.T) {
			dataDir := t.TempDir()
			srv, ep := serveProcess(t, bin, dataDir, "--sync", mode)
			mustSluice(t, ep, "", "stream", "create", "durable", "--shards", "3", "--retention", "72h")
			var lines strings.Builder
			const n = 3000
			for i := range n {
				fmt.Fprintf(&lines, "r%d\n", i)
			}
			mustSluice(t, ep, lines.String(), "put", "durable", "-k", "key")

			if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			srv.Wait()

			_, ep = serveProcess(t, bin, dataDir, "--sync", mode)
			out := mustSluice(t, ep, "", "stream", "describe", "durable")
			if !strings.Contains(out, "Retention:  72h") || !strings.Contains(out, "shardId-000000000002") {
				t.Fatalf("definition lost across kill -9:\n%s", out)
			}
			got := strings.Split(strings.TrimSpace(mustSluice(t, ep, "", "get", "durable")), "\n")
			if len(got) != n {
				t.Fatalf("read %d records after kill -9, want %d", len(got), n)
			}
			for i, l := range got {
				if !strings.HasSuffix(l, fmt.Sprintf("  key  r%d", i)) {
					t.Fatalf("record %d after restart: %q", i, l)
				}
			}
		})
	}
}

// TestServeStopsOnSignal checks the clean shutdown on SIGTERM.
func TestServeStopsOnSignal(t *testing.T) {
	bin := buildBinary(t)
	srv, _ := serveProcess(t, bin, t.TempDir())
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM, want status 0", err)
		}
	case <-ctx.Done():
		t.Fatal("serve did not stop within a minute of SIGTERM")
	}
}
