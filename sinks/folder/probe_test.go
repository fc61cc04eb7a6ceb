package folder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/sluice-io/sluice/internal/rofs"
	"github.com/sluice-io/sluice/sinks"
)

func TestProbe(t *testing.T) {
	ctx := context.Background()
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		dir       string
		permanent bool
	}{
		{"under a read-only directory", filepath.Join(rofs.Dir(t), "out"), true},
		{"the read-only directory itself", rofs.Dir(t), true},
		{"under a file", filepath.Join(aFile, "out"), true},
		{"a file", aFile, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Probe(ctx, tc.dir)
			var pe *sinks.ProbeError
			if !errors.As(err, &pe) {
				t.Fatalf("Probe = %v, want a *sinks.ProbeError", err)
			}
			if pe.Permanent != tc.permanent {
				t.Fatalf("Permanent = %v, want %v (%v)", pe.Permanent, tc.permanent, err)
			}
		})
	}

	t.Run("a new directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		if err := Probe(ctx, dir); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Fatalf("the directory was not created: %v", err)
		}
		if got := files(t, dir); len(got) != 0 {
			t.Fatalf("the probe left %v behind", got)
		}
	})

	t.Run("a failing sync is not permanent", func(t *testing.T) {
		s := newStore(t)
		s.syncFile = func(*os.File) error { return &os.PathError{Op: "sync", Path: "x", Err: syscall.EIO} }
		err := s.probe()
		var pe *sinks.ProbeError
		if !errors.As(err, &pe) || pe.Permanent || !errors.Is(err, syscall.EIO) {
			t.Fatalf("probe = %v, want a transient ProbeError wrapping EIO", err)
		}
		if got := files(t, s.Dir()); len(got) != 0 {
			t.Fatalf("a failed probe left %v behind", got)
		}
	})

	t.Run("a full disk is not permanent", func(t *testing.T) {
		if pe := probeError("folder x", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}); pe.Permanent {
			t.Fatal("ENOSPC classified as permanent")
		}
	})
}
