package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sluice-io/sluice/internal/proctest"
)

// TestSecondServeRefused: two real `sluice serve` processes on one data
// directory: the second exits at once with status 1 and a message naming
// the directory, the lock file and the first one's pid, and the first
// keeps serving. Once the first is killed with SIGKILL (no cleanup of any
// kind), the next start is not blocked by a stale lock.
func TestSecondServeRefused(t *testing.T) {
	bin := buildBinary(t)
	dataDir := t.TempDir()
	first, ep := serveProcess(t, bin, dataDir)
	mustSluice(t, ep, "", "stream", "create", "held", "--shards", "1")

	ctx, cancel := context.WithTimeout(context.Background(), proctest.StartLimit)
	defer cancel()
	second := exec.CommandContext(ctx, bin, "serve", "--data-dir", dataDir, "--http", "127.0.0.1:0", "--nats", "")
	var stderr bytes.Buffer
	second.Stderr = &stderr
	err := second.Run()
	if ctx.Err() != nil {
		t.Fatal("the second server did not exit: it runs on a data directory in use")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second serve: %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	host, _ := os.Hostname()
	want := fmt.Sprintf("sluice: data directory %s is in use by sluice pid %d on host %s since ", dataDir, first.Process.Pid, host)
	if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "(lock file "+filepath.Join(dataDir, "LOCK")+")") {
		t.Fatalf("second serve said:\n%s\nwant %q... (lock file ...)", stderr.String(), want)
	}
	if out := mustSluice(t, ep, "", "stream", "list"); !strings.Contains(out, "held") {
		t.Fatalf("the first server after the refused start: %q", out)
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	_, ep = serveProcess(t, bin, dataDir)
	if out := mustSluice(t, ep, "", "stream", "list"); !strings.Contains(out, "held") {
		t.Fatalf("after kill -9 and restart: %q", out)
	}
}

// TestServeMaxRequestsFlag: a cap below one request or one subscription
// is a usage error, refused before anything starts.
func TestServeMaxRequestsFlag(t *testing.T) {
	for _, flag := range []string{"--max-requests", "--max-subscriptions"} {
		t.Run(flag, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			err := run(context.Background(), []string{"serve", "--data-dir", dir, flag, "0"}, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), flag+" must be at least 1, not 0") {
				t.Fatalf("err %v", err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the refused serve created %s", dir)
			}
		})
	}
}
