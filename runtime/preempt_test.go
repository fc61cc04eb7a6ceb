package runtime

import (
	"context"
	"errors"
	"os"
	"os/exec"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// preemptChildEnv, when set, makes TestLoopingGuestsLetGCRun run its check
// in this process instead of starting a child process.
const preemptChildEnv = "SLUICE_TEST_PREEMPT_CHILD"

// TestLoopingGuestsLetGCRun: as many endless-loop guests as there are Ps
// loop at once, and garbage collections (which must stop every goroutine)
// still complete while they loop; cancelling the caller's context then stops
// every guest. Compiled guest code can only be preempted where it calls into
// Go, which wazero's loop check does (once every 1,024 iterations with the
// patch in third_party/wazero). Without that, the collection waits for a
// goroutine that never yields and the whole process hangs, so the check runs
// in a child process that the parent kills after a generous deadline.
func TestLoopingGuestsLetGCRun(t *testing.T) {
	if os.Getenv(preemptChildEnv) == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // ends a hang, not a speed limit
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLoopingGuestsLetGCRun$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), preemptChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		if errors.Is(err, syscall.ENOEXEC) {
			// Run under an emulator (go test -exec qemu-…): this binary
			// cannot start itself, so the check runs here, where a stall
			// hangs the run instead of failing it.
			t.Logf("cannot start a child process (%v): checking in this process", err)
			checkLoopingGuestsLetGCRun(t)
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("looping guests stalled the process (a garbage collection could not stop them); output:\n%s", out)
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestLoopingGuestsLetGCRun") {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		return
	}
	checkLoopingGuestsLetGCRun(t)
}

// checkLoopingGuestsLetGCRun is TestLoopingGuestsLetGCRun's check, in the
// calling process.
func checkLoopingGuestsLetGCRun(t *testing.T) {
	r, _ := newTestRuntime(t)
	procs := goruntime.GOMAXPROCS(0)
	// No deadline of the module's own: only the cancel below stops the guests.
	m := load(t, r, "loop", ModuleConfig{Limits: Limits{Instances: procs, Timeout: 15 * time.Minute}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, procs)
	for range procs {
		go func() {
			_, err := m.Transform(ctx, batchOf("x"))
			errs <- err
		}()
	}
	// Every guest holds a slot of the pool once it is in (or about to be in)
	// its loop; collect a few times after that, while they spin.
	for len(m.pool.slots) < procs {
		time.Sleep(time.Millisecond)
	}
	for range 5 {
		time.Sleep(20 * time.Millisecond)
		goruntime.GC()
	}
	select {
	case err := <-errs:
		t.Fatalf("a looping guest returned before it was canceled: %v", err)
	default:
	}
	cancel()
	for range procs {
		transformErr(t, <-errs, ErrCanceled)
	}
}
