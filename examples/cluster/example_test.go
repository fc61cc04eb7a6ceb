package cluster_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/loopback"
	"github.com/sluice-io/sluice/internal/proctest"
)

const repoRoot = "../.."

// TestThreeNodes runs start.sh as the README does, on free ports: three
// nodes form a cluster; a stream created through node 1 takes records
// through node 2 and is read through node 3; node 1 killed with SIGKILL,
// records still go in and come out; start.sh starts it again and it
// serves every record.
func TestThreeNodes(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "sluice")
	proctest.Build(t, repoRoot, bin)
	var httpPorts, routePorts []string
	for range 3 {
		for _, ports := range []*[]string{&httpPorts, &routePorts} {
			p, err := loopback.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			*ports = append(*ports, strconv.Itoa(p))
		}
	}
	env := append(os.Environ(), "SLUICE="+bin, "HTTP_PORTS="+strings.Join(httpPorts, " "), "ROUTE_PORTS="+strings.Join(routePorts, " "))
	script := func(name string) {
		t.Helper()
		cmd := exec.Command("bash", name, dir)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	t.Cleanup(func() { script("stop.sh") })
	script("start.sh")

	endpoint := func(i int) string { return "http://127.0.0.1:" + httpPorts[i-1] }
	sluice := func(node int, stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"--endpoint", endpoint(node)}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(node int, stdin string, args ...string) string {
		t.Helper()
		// A request during a leader election can fail; the CLI does not
		// retry, so the test does, within a bound that only ends hangs.
		var out string
		var err error
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if out, err = sluice(node, stdin, args...); err == nil {
				return out
			}
		}
		t.Fatalf("sluice %v on node %d: %v\n%s", args, node, err, out)
		return ""
	}
	lines := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "r%03d\n", i)
		}
		return b.String()
	}
	count := func(out string) int { return strings.Count(out, " r") }

	must(1, "", "stream", "create", "demo", "--shards", "2")
	if st := must(2, "", "cluster", "status"); !strings.Contains(st, "meta leader: ") || !strings.Contains(st, "(3 servers)") ||
		!regexp.MustCompile(`KDS_demo +data-stream +n\d +n\d n\d n\d `).MatchString(st) || !strings.HasPrefix(st, "host n2: NATS embedded-cluster") {
		t.Fatalf("cluster status:\n%s", st)
	}
	must(2, lines(0, 100), "put", "demo", "-k", "k")
	if got := count(must(3, "", "get", "demo")); got != 100 {
		t.Fatalf("node 3 reads %d records, want 100", got)
	}

	pid, err := os.ReadFile(filepath.Join(dir, "n1.pid"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err := syscall.Kill(n, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	must(2, lines(100, 150), "put", "demo", "-k", "k")
	if got := count(must(3, "", "get", "demo")); got != 150 {
		t.Fatalf("with node 1 killed, node 3 reads %d records, want 150", got)
	}
	script("start.sh") // starts node 1 again
	if got := count(must(1, "", "get", "demo")); got != 150 {
		t.Fatalf("node 1, started again, reads %d records, want 150", got)
	}
}
