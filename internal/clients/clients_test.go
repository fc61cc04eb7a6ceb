package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/auth"
)

var (
	admin    = auth.Key{AccessKeyID: "AKIDCLIENTADMIN001", SecretAccessKey: "client-admin-secret-0123456789"}
	producer = auth.Key{AccessKeyID: "AKIDCLIENTPROD0001", SecretAccessKey: "client-producer-secret-0123456789", Name: "sensor",
		Permissions: []auth.Grant{{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}}}}
)

// want is what every client must see, case by case.
var want = map[string]string{
	"right key":             "",
	"firehose right key":    "",
	"unknown key":           auth.CodeUnrecognizedClient,
	"wrong secret":          auth.CodeInvalidSignature,
	"missing authorization": auth.CodeMissingToken,
	"tampered body":         auth.CodeInvalidSignature,
	"skewed clock":          auth.CodeInvalidSignature,
	"producer put":          "",
	"producer read":         auth.CodeAccessDenied,
}

// startHost runs a Sluice server with the test keys and a stream
// sensors-1, and returns its endpoint.
func startHost(t *testing.T) string {
	t.Helper()
	keys, err := auth.NewKeys(admin, producer)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := host.Open(context.Background(), host.Config{DataDir: t.TempDir(), OutputRoot: t.TempDir(), HTTPAddr: "127.0.0.1:0", Security: host.SecurityConfig{Keys: keys}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ep := "http://" + srv.HTTPAddr()
	kc := kinesis.New(kinesis.Options{BaseEndpoint: aws.String(ep), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")})
	if _, err := kc.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: aws.String("sensors-1"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	return ep
}

// tool is the path of an installed client, or a failure saying how to
// install it.
func tool(t *testing.T, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing (%v): run `bash scripts/install-toolchains.sh` at the repository root", path, err)
	}
	return path
}

// cleanEnv is the environment without AWS settings of the machine.
func cleanEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_EC2_METADATA_DISABLED=true")
	return append(env, extra...)
}

// checkCases compares a client's results with want, for the cases it
// can make.
func checkCases(t *testing.T, got map[string]string, cases []string) {
	t.Helper()
	for _, c := range cases {
		g, ok := got[c]
		if !ok {
			t.Errorf("%s: no result", c)
			continue
		}
		if g != want[c] {
			t.Errorf("%s: got %q, want %q", c, g, want[c])
		}
	}
}

func runScript(t *testing.T, dir string, name string, args ...string) map[string]string {
	t.Helper()
	return runScriptEnv(t, nil, dir, name, args...)
}

// runScriptEnv is runScript with extra environment variables.
func runScriptEnv(t *testing.T, extra []string, dir string, name string, args ...string) map[string]string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(t.TempDir(), extra...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	got := map[string]string{}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s printed %q: %v\n%s", name, out, err, stderr.String())
	}
	return got
}

// TestBoto3 runs python/sigv4.py with Debian's python3 and boto3.
func TestBoto3(t *testing.T) {
	ep := startHost(t)
	py := tool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		t.Fatalf("boto3 is missing for %s (%v): run `bash scripts/install-toolchains.sh` at the repository root", py, err)
	}
	got := runScript(t, "python", py, "sigv4.py", ep, admin.AccessKeyID, admin.SecretAccessKey, producer.AccessKeyID, producer.SecretAccessKey)
	checkCases(t, got, slices.Sorted(maps.Keys(want)))
}

// TestJavaScriptSDK runs js/sigv4.mjs with the AWS SDK for JavaScript v3,
// with its clients' handlers as they ship (the Kinesis client over HTTP/2,
// signing :authority instead of host) and over HTTP/1.1.
func TestJavaScriptSDK(t *testing.T) {
	ep := startHost(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is missing: %v", err)
	}
	tool(t, filepath.Join("js", "node_modules", "@aws-sdk", "client-kinesis", "package.json"))
	for _, handler := range []string{"default", "http1"} {
		t.Run(handler, func(t *testing.T) {
			got := runScript(t, "js", node, "sigv4.mjs", ep, admin.AccessKeyID, admin.SecretAccessKey, producer.AccessKeyID, producer.SecretAccessKey, handler)
			checkCases(t, got, slices.Sorted(maps.Keys(want)))
		})
	}
}

var cliError = regexp.MustCompile(`An error occurred \(([A-Za-z]+)\)`)

// TestAWSCLI runs the AWS CLI v2 (the tampered body is not something the
// CLI can be made to send: host's TestSigV4Refusals crafts it). The
// skewed clock comes from faketime.
func TestAWSCLI(t *testing.T) {
	ep := startHost(t)
	aws := tool(t, "/usr/bin/aws")
	faketime := tool(t, "/usr/bin/faketime")
	home := t.TempDir()
	run := func(id, secret string, args ...string) string {
		t.Helper()
		var cmd *exec.Cmd
		if args[0] == "faketime" {
			cmd = exec.Command(faketime, append([]string{"-f", args[1], aws}, args[2:]...)...)
		} else {
			cmd = exec.Command(aws, args...)
		}
		cmd.Env = cleanEnv(home, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_MAX_ATTEMPTS=1", "AWS_DEFAULT_REGION=us-east-1")
		out, err := cmd.CombinedOutput()
		if err == nil {
			return ""
		}
		m := cliError.FindSubmatch(out)
		if m == nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		if args[0] == "faketime" && !bytes.Contains(out, []byte("Signature expired")) {
			return string(m[1]) + ": " + string(out)
		}
		return string(m[1])
	}
	epFlag := "--endpoint-url=" + ep
	got := map[string]string{
		"right key":             run(admin.AccessKeyID, admin.SecretAccessKey, "kinesis", "put-record", epFlag, "--stream-name", "sensors-1", "--partition-key", "k", "--data", "MjEuNQ=="),
		"firehose right key":    run(admin.AccessKeyID, admin.SecretAccessKey, "firehose", "list-delivery-streams", epFlag),
		"unknown key":           run("AKIDUNKNOWN0000001", admin.SecretAccessKey, "kinesis", "list-streams", epFlag),
		"wrong secret":          run(admin.AccessKeyID, "wrong-secret-0123456789", "kinesis", "list-streams", epFlag),
		"missing authorization": run(admin.AccessKeyID, admin.SecretAccessKey, "kinesis", "list-streams", "--no-sign-request", epFlag),
		"skewed clock":          run(admin.AccessKeyID, admin.SecretAccessKey, "faketime", "-20m", "kinesis", "list-streams", epFlag),
		"producer put":          run(producer.AccessKeyID, producer.SecretAccessKey, "kinesis", "put-record", epFlag, "--stream-name", "sensors-1", "--partition-key", "k", "--data", "MQ=="),
		"producer read":         run(producer.AccessKeyID, producer.SecretAccessKey, "kinesis", "describe-stream", epFlag, "--stream-name", "sensors-1"),
	}
	checkCases(t, got, slices.Sorted(maps.Keys(got)))
}
