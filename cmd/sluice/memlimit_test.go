package main

import (
	"context"
	"io"
	"math"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/memlimit"
)

// TestServeMemoryLimit: `sluice serve` sets the Go runtime's memory limit
// from --memory-limit, or from the default derived from the buffer
// budgets and the machine, before the server starts, and says so in its
// log; a limit below memlimit.Min is refused before anything starts.
func TestServeMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	machine, _ := memlimit.DefaultSystem.Memory()
	const sentinel = 12345 << 20
	for _, c := range []struct {
		flag []string
		want int64
		log  string
	}{
		{flag: []string{"--memory-limit", "300MiB"}, want: 300 << 20, log: "memory_limit_bytes=314572800 memory_limit=\"300.0 MiB\" setting=--memory-limit"},
		{flag: []string{"--memory-limit", "off"}, want: math.MaxInt64, log: "go memory limit is off"},
		{flag: nil, want: memlimit.Default(host.MemoryBudget(host.Config{}), machine), log: "setting=default"},
	} {
		t.Run(strings.Join(append([]string{"flag"}, c.flag...), " "), func(t *testing.T) {
			debug.SetMemoryLimit(sentinel)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stderr syncBuffer
			args := append([]string{"serve", "--data-dir", filepath.Join(t.TempDir(), "data"), "--http", "127.0.0.1:0", "--nats", ""}, c.flag...)
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, strings.NewReader(""), io.Discard, &stderr) }()
			deadline := time.Now().Add(time.Minute)
			for !strings.Contains(stderr.String(), "sluice listening") {
				if time.Now().After(deadline) {
					t.Fatalf("serve did not start; log:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := debug.SetMemoryLimit(-1); got != c.want {
				t.Errorf("memory limit %d while serving, want %d", got, c.want)
			}
			if !strings.Contains(stderr.String(), c.log) {
				t.Errorf("log does not say %q:\n%s", c.log, stderr.String())
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serve: %v", err)
			}
		})
	}
	t.Run("too small", func(t *testing.T) {
		debug.SetMemoryLimit(sentinel)
		dir := filepath.Join(t.TempDir(), "data")
		err := run(context.Background(), []string{"serve", "--data-dir", dir, "--memory-limit", "8MiB"}, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "the limit must be at least 32MiB") {
			t.Fatalf("err %v", err)
		}
		if got := debug.SetMemoryLimit(-1); got != sentinel {
			t.Errorf("a refused serve changed the memory limit to %d", got)
		}
	})
}
