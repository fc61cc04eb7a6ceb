package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/natsd"
)

// TestOneServerPerDataDir: a second server on the data directory of a
// running one refuses to start, naming the directory and the holder, and
// the first keeps serving; after the first closes, the directory opens.
func TestOneServerPerDataDir(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Open(ctx, Config{DataDir: dir, HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(ctx, Config{DataDir: dir, HTTPAddr: "127.0.0.1:0"})
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second server opened a data directory in use")
	}
	want := fmt.Sprintf("data directory %s is in use by sluice pid %d on host ", dir, os.Getpid())
	if !errors.Is(err, natsd.ErrDataDirInUse) || !strings.Contains(err.Error(), want) {
		t.Errorf("second Open: %v, want %q...", err, want)
	}
	if code, _ := get(t, "http://"+first.HTTPAddr()+"/healthz"); code != 200 {
		t.Errorf("first server's /healthz answered %d after the refused start", code)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, Config{DataDir: dir, HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}
