package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/internal/s3test"
)

// TestApplyRefusesWithTheReason applies a delivery stream whose processor
// asks for more memory than the server's runtime allows: the binary prints
// the reason, naming the entry and the field, and exits 1.
func TestApplyRefusesWithTheReason(t *testing.T) {
	ep := startServer(t)
	mustSluice(t, ep, "", "module", "push", "upper", wasmPath(t, "runtime/testdata/c_upper.wasm"))
	file := writeFile(t, "pipeline.yaml", `deliveryStreams:
  - name: big
    source: {kind: DirectPut}
    processor: {module: upper, memoryMiB: 2048}
    destination: {kind: folder, folder: {path: `+t.TempDir()+`}}
`)
	cmd := exec.Command(buildBinary(t), "--endpoint", ep, "apply", "-f", file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("apply: %v, want exit status 1; stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	want := "sluice: deliveryStreams[0] (big): InvalidDefinition: processor memory 2048 MiB is outside 1..1024 MiB (processor.memoryMiB): this server's runtime gives no module more than 1024 MiB\n"
	if stderr.String() != want {
		t.Fatalf("stderr %q, want %q", stderr.String(), want)
	}
	if out, _ := sluice(t, ep, "", "delivery", "list"); strings.Contains(out, "big") {
		t.Fatalf("the refused delivery stream exists: %q", out)
	}
}

// TestApplyWarnsWhenTheDestinationIsDown applies a delivery stream to an S3
// server that is stopped: it is created, and the warning goes to standard
// error.
func TestApplyWarnsWhenTheDestinationIsDown(t *testing.T) {
	ep := startServer(t)
	srv := s3test.Start(t)
	srv.Stop()
	file := writeFile(t, "pipeline.yaml", `deliveryStreams:
  - name: tos3
    destination:
      kind: s3
      s3: {endpoint: "`+srv.Endpoint+`", bucket: `+srv.Bucket+`, region: `+srv.Region+`, accessKeyId: `+srv.AccessKey+`, secretAccessKey: `+srv.SecretKey+`, pathStyle: true}
`)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--endpoint", ep, "apply", "-f", file}, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("apply with S3 down: %v", err)
	}
	if stdout.String() != "delivery stream tos3: created\n" {
		t.Fatalf("stdout %q", stdout.String())
	}
	w := stderr.String()
	if !strings.HasPrefix(w, "warning: delivery stream tos3: destination s3://"+srv.Bucket+" at "+srv.Endpoint+": not reachable now:") ||
		!strings.Contains(w, "records wait until the destination can be reached") || strings.Contains(w, srv.SecretKey) {
		t.Fatalf("stderr %q, want the warning (and no secret)", w)
	}
	t.Logf("stderr: %s", w)
}
