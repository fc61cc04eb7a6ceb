package host

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/tlsconf"
)

// awsCLI is Debian's AWS CLI v2 (another aws on PATH may be v1).
const awsCLI = "/usr/bin/aws"

// selfSignedCommand is the README's command for a test box's certificate,
// run here exactly as printed (by sh, so it works in dash and bash).
const selfSignedCommand = `NAME=edge-box-1 IP=192.0.2.10   # the box's name and address, as clients will write them
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=$NAME" \
  -addext "subjectAltName=DNS:$NAME,DNS:localhost,IP:$IP,IP:127.0.0.1" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" \
  -keyout sluice.key -out sluice.crt`

// runAWSCLI runs the AWS CLI v2 against endpoint with dummy credentials and no
// configuration of the user's; extraEnv adds variables (AWS_CA_BUNDLE).
func runAWSCLI(t *testing.T, endpoint string, extraEnv []string, args ...string) (string, error) {
	t.Helper()
	if _, err := os.Stat(awsCLI); err != nil {
		t.Fatalf("the AWS CLI v2 is needed (scripts/install-toolchains.sh installs Debian's awscli): %v", err)
	}
	home := t.TempDir()
	cmd := exec.Command(awsCLI, append(args, "--endpoint-url", endpoint, "--output", "json")...)
	cmd.Env = append([]string{
		"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
	}, extraEnv...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTLSWithAWSCLI: the AWS CLI v2 trusts the test CA with --ca-bundle
// or AWS_CA_BUNDLE and works with Kinesis and Firehose over HTTPS; without
// it, it refuses the server's certificate. boto3 trusts it with verify=.
func TestTLSWithAWSCLI(t *testing.T) {
	ca, files := serverFiles(t)
	srv := openTLS(t, files)
	ep := srv.HTTPURL()
	mustAWS := func(env []string, args ...string) string {
		t.Helper()
		out, err := runAWSCLI(t, ep, env, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	bundle := []string{"--ca-bundle", ca.CertFile}
	mustAWS(nil, append([]string{"kinesis", "create-stream", "--stream-name", "orders", "--shard-count", "1"}, bundle...)...)
	out := mustAWS(nil, append([]string{"kinesis", "put-record", "--stream-name", "orders", "--partition-key", "o-1",
		"--data", `{"id":1}`, "--cli-binary-format", "raw-in-base64-out"}, bundle...)...)
	var put struct{ ShardId, SequenceNumber string }
	if err := json.Unmarshal([]byte(out), &put); err != nil || put.ShardId != "shardId-000000000000" || put.SequenceNumber == "" {
		t.Fatalf("put-record said %s (%v)", out, err)
	}
	for _, env := range [][]string{nil, {"AWS_CA_BUNDLE=" + ca.CertFile}} {
		args := []string{"kinesis", "list-streams"}
		if env == nil {
			args = append(args, bundle...)
		}
		var list struct{ StreamNames []string }
		if out := mustAWS(env, args...); json.Unmarshal([]byte(out), &list) != nil || !slices.Equal(list.StreamNames, []string{"orders"}) {
			t.Fatalf("list-streams (env %v) said %s", env, out)
		}
	}
	mustAWS(nil, append([]string{"firehose", "list-delivery-streams"}, bundle...)...)

	out, err := runAWSCLI(t, ep, nil, "kinesis", "list-streams")
	if err == nil || !strings.Contains(out, "CERTIFICATE_VERIFY_FAILED") {
		t.Fatalf("without the CA bundle: %v\n%s", err, out)
	}

	// boto3 (Debian's python3-boto3) with verify= the CA file.
	py := exec.Command("/usr/bin/python3", "-c", `import boto3, sys
k = boto3.client("kinesis", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="x", verify=sys.argv[2])
print(k.list_streams()["StreamNames"])`, ep, ca.CertFile)
	py.Env = []string{"HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true"}
	if out, err := py.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "['orders']" {
		t.Fatalf("boto3 with verify=: %v\n%s", err, out)
	}
}

// TestSelfSignedCertificate runs the README's openssl command and serves
// with what it made: the key is private to its owner, the certificate
// names the box and its address, a Go client and the AWS CLI that trust
// the certificate itself (it is its own CA) connect by name and address,
// over HTTP/2 for Go.
func TestSelfSignedCertificate(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", selfSignedCommand)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's openssl command (openssl comes from scripts/install-toolchains.sh): %v\n%s", err, out)
	}
	files := tlsconf.Files{Cert: filepath.Join(dir, "sluice.crt"), Key: filepath.Join(dir, "sluice.key")}
	if fi, err := os.Stat(files.Key); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("sluice.key: %v, mode %v, want readable by its owner only", err, fi.Mode())
	}
	loaded, err := tlsconf.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(loaded.Names(), ","); got != "edge-box-1,localhost,192.0.2.10,127.0.0.1" {
		t.Errorf("certificate names %s", got)
	}
	srv := openTLS(t, files)
	_, port, _ := net.SplitHostPort(srv.HTTPAddr())

	pemBytes, err := os.ReadFile(files.Cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2: true,
		// edge-box-1 is this machine: as /etc/hosts would say on a client.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	hc := &http.Client{Transport: tr, Timeout: hangLimit}
	for _, host := range []string{"edge-box-1", "localhost", "127.0.0.1"} {
		resp, err := hc.Get("https://" + net.JoinHostPort(host, port) + "/healthz")
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
			t.Errorf("%s: %s over %s", host, resp.Status, resp.Proto)
		}
	}
	if out, err := runAWSCLI(t, "https://localhost:"+port, nil, "kinesis", "list-streams", "--ca-bundle", files.Cert); err != nil {
		t.Fatalf("AWS CLI with the self-signed certificate: %v\n%s", err, out)
	}
	checkREADMECommand(t)
}

// checkREADMECommand: the README prints the command between the
// selfsigned markers, and it must be the one this test runs.
func checkREADMECommand(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- selfsigned:begin: run by host.TestSelfSignedCertificate -->\n```sh\n", "\n```\n<!-- selfsigned:end -->"
	i := bytes.Index(b, []byte(begin))
	if i < 0 {
		t.Fatal("README.md does not print the self-signed certificate command between the selfsigned markers")
	}
	rest := b[i+len(begin):]
	j := bytes.Index(rest, []byte(end))
	if j < 0 || string(rest[:j]) != selfSignedCommand {
		t.Errorf("README.md's self-signed certificate command is not the one tested:\n%s", rest[:max(j, 0)])
	}
}
