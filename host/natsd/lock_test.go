package natsd

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDataDirLock: a second server on a data directory in use is refused
// with a message naming the directory, the lock file and the holder; once
// the first is closed the directory can be used again.
func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	first, err := Start(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(Config{DataDir: dir})
	var inUse *DirInUseError
	if !errors.Is(err, ErrDataDirInUse) || !errors.As(err, &inUse) {
		first.Close()
		t.Fatalf("second Start: %v, want ErrDataDirInUse", err)
	}
	host, _ := os.Hostname()
	lockFile := filepath.Join(dir, LockFileName)
	if h := inUse.Holder; h == nil || h.PID != os.Getpid() || h.Host != host || time.Since(h.Since) < 0 {
		t.Errorf("holder %+v, want pid %d on %s", h, os.Getpid(), host)
	}
	for _, want := range []string{
		"data directory " + dir + " is in use by sluice pid " + strconv.Itoa(os.Getpid()) + " on host " + host + " since ",
		"(lock file " + lockFile + ")",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	first.Close()
	again, err := Start(Config{DataDir: dir})
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	again.Close()
}

// TestLockBeforeJetStream: a refused start leaves the directory as it was:
// JetStream never created its store in it.
func TestLockBeforeJetStream(t *testing.T) {
	dir := t.TempDir()
	held, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	if _, err := Start(Config{DataDir: dir}); !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("Start on a held directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != LockFileName {
			t.Errorf("refused start created %s", e.Name())
		}
	}
}

// TestLockHolderUnreadable: a lock file that does not say who holds it
// still gives a clear refusal.
func TestLockHolderUnreadable(t *testing.T) {
	dir := t.TempDir()
	held, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	if err := os.WriteFile(filepath.Join(dir, LockFileName), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = lockDir(dir)
	if !errors.Is(err, ErrDataDirInUse) || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("err %v", err)
	}
}
