package edgetohub_test

import (
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/hubtest"
	"github.com/sluice-io/sluice/internal/proctest"
)

const repoRoot = "../.."

// waitLimit ends the waits for the copy to arrive; it only ends hangs
// (after a long cut JetStream sets the mirror up again on its own
// schedule: tens of seconds, at worst minutes).
const waitLimit = 4 * time.Minute

// TestEdgeToHub runs the README's steps with the real binary: a hub
// Sluice on the hub's NATS (--nats-url), an edge Sluice as a leaf node
// in domain edge1, records put at the edge, `sluice mirror create` at
// the hub; then the link is cut, more records are put at the edge, the
// link comes back, and the hub's mirror has every record once, in order,
// read with `sluice get` there.
func TestEdgeToHub(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "sluice")
	proctest.Build(t, repoRoot, bin)
	hub := hubtest.Start(t, "edge1")
	link := hub.Link()

	hubURL := fmt.Sprintf("nats://%s:%s@127.0.0.1:%d", url.QueryEscape(hub.User), url.QueryEscape(hub.Password), hub.ClientPort)
	_, hubEP := proctest.Serve(t, bin, "", "--data-dir", filepath.Join(dir, "hub"), "--nats-url", hubURL)
	_, edgeEP := proctest.Serve(t, bin, "", "--data-dir", filepath.Join(dir, "edge"),
		"--jetstream-domain", "edge1", "--leaf-remote", link.URL(),
		"--leaf-user", "edge1", "--leaf-password-file", hub.PasswordFile("edge1"))

	sluice := func(ep, stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"--endpoint", ep}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(ep, stdin string, args ...string) string {
		t.Helper()
		out, err := sluice(ep, stdin, args...)
		if err != nil {
			t.Fatalf("sluice %v: %v\n%s", args, err, out)
		}
		return out
	}
	lines := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "r%04d\n", i)
		}
		return b.String()
	}
	// waitFor polls `sluice get` at the hub until it has n records, and
	// checks they are r0000.. in order.
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(waitLimit)
		var out string
		for time.Now().Before(deadline) {
			var err error
			if out, err = sluice(hubEP, "", "get", "edge1.orders"); err == nil && strings.Count(out, " r") >= n {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(l); len(f) == 4 {
				got = append(got, f[3])
			}
		}
		if len(got) != n {
			t.Fatalf("the hub's mirror has %d records, want %d:\n%s", len(got), n, out)
		}
		for i, g := range got {
			if g != fmt.Sprintf("r%04d", i) {
				t.Fatalf("record %d at the hub is %q", i, g)
			}
		}
	}

	must(edgeEP, "", "stream", "create", "orders", "--shards", "1")
	must(edgeEP, lines(0, 100), "put", "orders", "-k", "k")
	// The leaf connection comes up in the background: retry the create
	// until the edge's domain answers.
	deadline := time.Now().Add(waitLimit)
	for {
		out, err := sluice(hubEP, "", "mirror", "create", "--domain", "edge1", "--stream", "orders")
		if err == nil {
			if !strings.Contains(out, "created mirror edge1.orders") {
				t.Fatalf("mirror create: %s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mirror create: %v\n%s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	waitFor(100)

	link.Cut()
	must(edgeEP, lines(100, 250), "put", "orders", "-k", "k")
	if st := must(hubEP, "", "mirror", "status", "edge1.orders"); !strings.Contains(st, "records: 100") {
		t.Fatalf("mirror status with the link cut:\n%s", st)
	}
	link.Restore()
	waitFor(250)
	st := must(hubEP, "", "mirror", "status", "edge1.orders")
	if !strings.Contains(st, "records: 250") || !strings.Contains(st, "0 behind") || strings.Contains(st, "missed") {
		t.Fatalf("mirror status after the link came back:\n%s", st)
	}
	if out, err := sluice(hubEP, "x\n", "put", "edge1.orders", "-k", "k"); err == nil || !strings.Contains(out, "read-only mirror") {
		t.Fatalf("a put at the hub's mirror: %v\n%s", err, out)
	}
}
