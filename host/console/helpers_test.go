package console_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/auth"
)

// hangLimit ends a wait that would otherwise hang; it is not a timing
// assertion.
const hangLimit = time.Minute

var (
	adminKey  = auth.Key{AccessKeyID: "AKIACONSOLEADMIN0001", SecretAccessKey: "console-admin-secret-0123456789", Name: "admin"}
	readerKey = auth.Key{AccessKeyID: "AKIACONSOLEREADER001", SecretAccessKey: "console-reader-secret-012345678", Name: "reader",
		Permissions: []auth.Grant{{Actions: []string{"kinesis:List*", "kinesis:Describe*"}}}}
)

// server starts a real Sluice host on loopback (in-process NATS), with
// the console's sampler every 100 ms; keys nil means authentication off.
func server(t *testing.T, keys *auth.Keys) *host.Server {
	t.Helper()
	cfg := host.Config{
		DataDir:            t.TempDir(),
		HTTPAddr:           "127.0.0.1:0",
		OutputRoot:         t.TempDir(),
		ConsoleSampleEvery: 100 * time.Millisecond,
		Security:           host.SecurityConfig{Keys: keys},
	}
	srv, err := host.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func kinesisClient(srv *host.Server, k auth.Key) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String("http://" + srv.HTTPAddr()),
		Region:       host.DefaultRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
	})
}

// rest makes a signed call of the native REST API and returns its status
// and body.
func rest(t *testing.T, srv *host.Server, k auth.Key, method, path string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+srv.HTTPAddr()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}
	if err := auth.Sign(context.Background(), req, body, creds, auth.ServiceSluice, host.DefaultRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// jsonguard builds testdata/jsonguard (a WASI command in Go) into a
// temporary directory and returns the module's bytes.
func jsonguard(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "jsonguard.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = "testdata/jsonguard"
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/jsonguard: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// screenshots is where the browser test writes its screenshots:
// $SLUICE_ARTEFACTS/console when set, else testdata/screenshots
// (gitignored).
func screenshots(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "screenshots")
	if a := os.Getenv("SLUICE_ARTEFACTS"); a != "" {
		dir = filepath.Join(a, "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// noRedirect is an HTTP client that shows redirects instead of following
// them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func fetch(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func mustReq(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
