package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPoolHammer runs many goroutines through a pool of 3 instances: every
// answer is right, at most 3 instances ever exist, and all are reused.
func TestPoolHammer(t *testing.T) {
	r, _ := newTestRuntime(t)
	const bound, workers, batches = 3, 16, 25
	m := load(t, r, "c_upper", ModuleConfig{Limits: Limits{Instances: bound}})
	var created, maxSlots atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range batches {
				data := fmt.Sprintf("w%d-b%d", w, i)
				resp, err := m.Transform(context.Background(), batchOf(data, "x"))
				if err != nil {
					t.Error(err)
					return
				}
				if got := string(resp.Records[0].Data); got != fmt.Sprintf("W%d-B%d", w, i) {
					t.Errorf("got %q for %q", got, data)
				}
				if resp.Records[0].PartitionKeys["calls"] == "1" {
					created.Add(1)
				}
				if n := int64(len(m.pool.slots)); n > maxSlots.Load() {
					maxSlots.Store(n)
				}
			}
		}()
	}
	wg.Wait()
	if c := created.Load(); c < 1 || c > bound {
		t.Errorf("%d instances created, bound %d", c, bound)
	}
	if s := maxSlots.Load(); s > bound {
		t.Errorf("%d instances alive at once, bound %d", s, bound)
	}
}

// TestCloseWhileBusy closes modules whose calls never end (SDK and WASI):
// Close returns, every caller gets ErrClosed, nothing stays alive.
func TestCloseWhileBusy(t *testing.T) {
	for _, module := range []string{"loop", "wasi_loop"} {
		t.Run(module, func(t *testing.T) {
			r, _ := newTestRuntime(t)
			m := load(t, r, module, ModuleConfig{Limits: Limits{Instances: 2, Timeout: MaxTimeout}})
			var wg sync.WaitGroup
			errs := make(chan error, 5)
			for range 5 { // 2 run, 3 wait for an instance
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := m.Transform(context.Background(), batchOf("x"))
					errs <- err
				}()
			}
			for len(m.pool.slots) < 2 { // wait until both are busy
				time.Sleep(5 * time.Millisecond)
			}
			if err := m.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				transformErr(t, err, ErrClosed)
			}
			if n := len(m.pool.slots); n != 0 {
				t.Errorf("%d instances alive after Close", n)
			}
		})
	}
}

// TestRuntimeCloseWhileBusy: closing the runtime stops its modules' calls.
func TestRuntimeCloseWhileBusy(t *testing.T) {
	r, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Load(context.Background(), Ref{Name: "loop", Version: 1}, wasmFile(t, "loop"), ModuleConfig{Limits: Limits{Timeout: MaxTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := m.Transform(context.Background(), batchOf("x"))
		done <- err
	}()
	for len(m.pool.slots) < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	transformErr(t, <-done, ErrClosed)
	if _, err := r.Load(context.Background(), Ref{Name: "x", Version: 1}, wasmFile(t, "c_identity"), ModuleConfig{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
}

// TestCompilationCacheSurvivesRestart: a second Runtime on the same cache
// directory reads the compiled code instead of compiling again (wazero
// writes a cache entry through a new file, so an unchanged file means a hit).
func TestCompilationCacheSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	wasm := wasmFile(t, "wasi_upper")
	ctx := context.Background()
	snapshot := func() map[string]os.FileInfo {
		files := map[string]os.FileInfo{}
		err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				files[path] = fi
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	run := func() {
		r, err := New(ctx, WithCacheDir(dir))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(ctx)
		m, err := r.Load(ctx, Ref{Name: "u", Version: 1}, wasm, ModuleConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Transform(ctx, batchOf("x")); err != nil {
			t.Fatal(err)
		}
	}
	run()
	before := snapshot()
	if len(before) == 0 {
		t.Fatal("the first runtime wrote nothing to the cache directory")
	}
	run()
	after := snapshot()
	if len(after) != len(before) {
		t.Errorf("cache entries %d -> %d", len(before), len(after))
	}
	for path, fi := range before {
		if !os.SameFile(fi, after[path]) {
			t.Errorf("cache entry %s was rewritten: the module was compiled again", path)
		}
	}
}
