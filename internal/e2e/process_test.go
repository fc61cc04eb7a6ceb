package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// binDir holds the sluice binary built once for the package's tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
	buildOut  []byte
)

// sluiceBinary builds cmd/sluice once per test run and returns its path.
func sluiceBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(binDir, "sluice")
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/sluice")
		cmd.Dir = repoRoot
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build ./cmd/sluice: %v\n%s", buildErr, buildOut)
	}
	return bin
}

// serveProcess starts `sluice serve` on dataDir as a child process and
// returns it with its endpoint once it listens. The process is killed on
// t.Cleanup if it still runs.
func serveProcess(t testing.TB, bin, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--http", "127.0.0.1:0", "--nats", "")
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
	case <-time.After(waitLimit):
		t.Fatal("sluice serve did not report its listener")
		return nil, ""
	}
}

// cli runs the sluice binary as a client of endpoint.
func cli(t testing.TB, bin, endpoint string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"--endpoint", endpoint}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("sluice %v: %v\n%s", args, err, out)
	}
	return string(out)
}
