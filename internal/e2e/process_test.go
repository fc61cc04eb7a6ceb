package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/internal/proctest"
	"github.com/sluice-io/sluice/internal/testmain"
)

// binDir holds the sluice binary built once for the package's tests.
var binDir string

func TestMain(m *testing.M) {
	testmain.WithTempDir(m, "sluice-e2e-bin-", &binDir)
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
// returns it with its endpoint once it listens. Its output root is the
// directory the tests' t.TempDir folders are made in.
func serveProcess(t testing.TB, bin, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	return proctest.Serve(t, bin, "", "--data-dir", dataDir, "--output-root", os.TempDir())
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
