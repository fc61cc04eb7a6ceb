package proctest

import (
	"bufio"
	"io"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// StartLimit bounds how long Serve waits for the server to listen; it ends
// a hang, it is not a timing assertion.
const StartLimit = 2 * time.Minute

// Build compiles ./cmd/sluice of the module at repoRoot into out.
func Build(t testing.TB, repoRoot, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, "./cmd/sluice")
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/sluice: %v\n%s", err, b)
	}
}

// Serve starts `bin serve` in dir (the test's directory when dir is "")
// with an HTTP listener on a free loopback port, no NATS listener, and
// args (at least --data-dir), and returns the process and its endpoint
// once it listens. The process is killed on t.Cleanup if it still runs.
func Serve(t testing.TB, bin, dir string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--http", "127.0.0.1:0", "--nats", ""}, args...)...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`http=(http://[0-9.:]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case ep := <-found:
		return cmd, ep
	case <-time.After(StartLimit):
		t.Fatal("sluice serve did not report its listener")
		return nil, ""
	}
}
