package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host"
)

// readmeBlock is the first ```sh block after the README's heading.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no heading %q", heading)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatalf("README: no sh block after %q", heading)
	}
	block, _, _ = strings.Cut(block, "```\n")
	return block
}

// runReadme runs a README block with bash as a reader would, against the
// server at ep (the README's http://127.0.0.1:4566), with the tests'
// sluice and the AWS CLI v2 (/usr/bin/aws) first on PATH.
func runReadme(t *testing.T, ep, block string) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Fatalf("the AWS CLI v2 is needed (scripts/install-toolchains.sh installs Debian's awscli): %v", err)
	}
	home := t.TempDir()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", strings.ReplaceAll(block, "http://127.0.0.1:4566", ep))
	cmd.Dir = t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "SLUICE_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "HOME="+home, "PATH="+filepath.Dir(versionedBinary(t))+":/usr/bin:/bin", "SLUICE_ENDPOINT="+ep,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README block failed: %v\n%s\n--- block:\n%s", err, out, block)
	}
	return string(out)
}

// readmeServer is a server whose folder destinations land in a
// temporary directory.
func readmeServer(t *testing.T) string {
	t.Helper()
	srv, err := host.Open(context.Background(), host.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", OutputRoot: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return "http://" + srv.HTTPAddr()
}

// TestReadmeAWSCLI runs the README's AWS CLI commands as printed, with the
// AWS CLI v2 (whose put-record reads --data as base64 unless told not
// to), and reads the record back.
func TestReadmeAWSCLI(t *testing.T) {
	ep := readmeServer(t)
	out := runReadme(t, ep, readmeBlock(t, "## Use the AWS CLI or an SDK"))
	if !strings.Contains(out, `"ShardId": "shardId-`) || !strings.Contains(out, `"orders"`) {
		t.Errorf("the AWS CLI said:\n%s", out)
	}
	if got := mustSluice(t, ep, "", "get", "orders"); !strings.Contains(got, ` o-1  {"id":1}`) {
		t.Errorf("get orders: %q, want the record put-record wrote", got)
	}
}

// TestReadmeDirectPut runs the README's direct-put delivery stream
// commands as printed.
func TestReadmeDirectPut(t *testing.T) {
	ep := readmeServer(t)
	out := runReadme(t, ep, readmeBlock(t, "### A direct-put delivery stream"))
	for _, want := range []string{"delivery stream my-direct-put-stream: created", "2 records sent to delivery stream my-direct-put-stream",
		"Source:          direct put", "Incoming:        3 records"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
