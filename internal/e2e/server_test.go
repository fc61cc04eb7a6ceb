package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/rest"
)

// waitLimit ends a wait that would otherwise hang; it is not a timing
// assertion.
const waitLimit = 2 * time.Minute

// repoRoot is the repository root, relative to this package.
var repoRoot = filepath.Join("..", "..")

// startHost runs a whole Sluice server in-process on a temp dir, with its
// HTTP listener on a loopback port, closed by t.Cleanup. It returns the
// server's endpoint.
func startHost(t testing.TB) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(tbWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := host.Open(context.Background(), host.Config{
		DataDir:  t.TempDir(),
		HTTPAddr: "127.0.0.1:0",
		Logger:   log,
		// The tests' folders are made by t.TempDir.
		OutputRoot: os.TempDir(),
	})
	if err != nil {
		t.Fatalf("host.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return "http://" + srv.HTTPAddr()
}

// tbWriter sends the server's log lines to the test log.
type tbWriter struct{ t testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// firehoseClient and kinesisClient are AWS SDK clients of a Sluice
// endpoint: static credentials and no SDK retries (the tests retry what
// they mean to).
func firehoseClient(endpoint string) *firehose.Client {
	return firehose.New(firehose.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDE2E", "secret", ""),
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	})
}

func kinesisClient(endpoint string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDE2E", "secret", ""),
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	})
}

// wasmFile reads a module built by scripts/build-wasm.sh, failing with the
// command to run when it is missing.
func wasmFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatalf("module %s is missing (%v): run `bash scripts/build-wasm.sh` at the repository root", rel, err)
	}
	return b
}

// restCall sends a REST request and decodes a 2xx answer into out. A GET
// answered 503 (JetStream electing leaders on a cluster: clients retry) is
// sent again, for at most waitLimit.
func restCall(t testing.TB, method, url, contentType string, body []byte, out any) {
	t.Helper()
	var resp *http.Response
	var b []byte
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(100 * time.Millisecond) {
		req, err := http.NewRequest(method, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if method != http.MethodGet || resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, url, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
		}
	}
}

// pushModule uploads a module through the REST API.
func pushModule(t testing.TB, endpoint, name, rel string) {
	t.Helper()
	var v rest.ModuleVersion
	restCall(t, http.MethodPost, endpoint+"/v1/modules/"+name, "application/wasm", wasmFile(t, rel), &v)
	if v.Name != name || v.Version < 1 {
		t.Fatalf("push %s: answered %+v", name, v)
	}
}

// applyDefinition creates or updates a delivery stream through the REST
// route `sluice apply` uses.
func applyDefinition(t testing.TB, endpoint string, def delivery.Definition) {
	t.Helper()
	body, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	var out rest.DeliveryApplied
	restCall(t, http.MethodPut, endpoint+"/v1/delivery-streams/"+def.Name, "application/json", body, &out)
	if out.Definition.Name != def.Name {
		t.Fatalf("apply %s: answered %+v", def.Name, out)
	}
}

func describeDelivery(t testing.TB, endpoint, name string) rest.DeliveryStream {
	t.Helper()
	var d rest.DeliveryStream
	restCall(t, http.MethodGet, endpoint+"/v1/delivery-streams/"+name, "", nil, &d)
	return d
}

// waitDelivered waits until a delivery stream's checkpoint reaches seq
// (every record up to it is durably delivered) and returns its status.
func waitDelivered(t testing.TB, endpoint, name string, seq uint64) delivery.Status {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		d := describeDelivery(t, endpoint, name)
		if d.Status.Checkpoint >= seq {
			return d.Status
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s to deliver up to %d: %+v", name, seq, d.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func intp(v int) *int { return &v }

// mustf fails the test on err with a message.
func mustf(t testing.TB, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}
