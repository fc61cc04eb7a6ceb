package kinesalite

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/loopback"
)

// startLimit bounds the wait for kinesalite to listen; it ends a hang.
const startLimit = time.Minute

// Bin is where `make bench` installs kinesalite's command.
func Bin() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "node_modules", ".bin", "kinesalite")
}

// Start runs kinesalite (in memory, streams ACTIVE at once) on a free
// loopback port and returns its endpoint; it is stopped on t.Cleanup. The
// test is skipped when kinesalite is not installed.
func Start(t testing.TB) string {
	t.Helper()
	bin := Bin()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("kinesalite is not installed (%v): `make bench` installs it", err)
	}
	p, err := loopback.FreePort() // kinesalite takes no port 0
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(p)
	cmd := exec.Command(bin, "--port", port, "--createStreamMs", "0", "--deleteStreamMs", "0",
		"--updateStreamMs", "0", "--shardLimit", "100")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kinesalite: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Listening at ") {
				found <- "http://127.0.0.1:" + port
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case ep := <-found:
		return ep
	case <-time.After(startLimit):
		t.Fatal("kinesalite did not report its port")
		return ""
	}
}
