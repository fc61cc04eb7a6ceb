package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/internal/s3test"
)

// secretHost is an in-process server whose whole log, at debug level,
// goes to log.
type secretHost struct {
	srv *host.Server
	ep  string
}

func openSecretHost(t *testing.T, cfg host.Config, log *syncBuffer) *secretHost {
	t.Helper()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := host.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &secretHost{srv: srv, ep: "http://" + srv.HTTPAddr()}
}

// collector gathers everything the server and the CLI show.
type collector struct {
	t    *testing.T
	mu   sync.Mutex
	seen map[string]string // what -> output
}

func (c *collector) add(what, out string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[what] += out + "\n"
}

// get collects a GET's body, whatever its status.
func (c *collector) get(ep, path string) {
	resp, err := http.Get(ep + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.add("GET "+path, fmt.Sprintf("%d %s", resp.StatusCode, b))
}

// cli collects a command's standard output and error, and its error.
func (c *collector) cli(ep, stdin string, args ...string) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"--endpoint", ep}, args...), strings.NewReader(stdin), &out, &errOut)
	c.add("sluice "+strings.Join(args, " "), fmt.Sprintf("%s\n%s\n%v", out.String(), errOut.String(), err))
}

// TestSecretsNeverShown creates delivery streams holding credentials (S3
// keys, inline and by reference; HTTP endpoint access keys; an S3 error
// store's keys) through the REST API, a pipeline file (sluice apply) and
// the Firehose API, makes some of them fail (an endpoint down, an S3
// secret that became wrong), and then collects every GET endpoint's
// answer, every list and describe command's output (text and JSON),
// DescribeDeliveryStream and ListDeliveryStreams, the answers to refused
// requests that carried secrets, the server's whole log at debug level and
// /metrics: no secret appears anywhere. On the way it checks that the
// secrets work: a key read from a file delivers to a real S3 server, and
// the HTTP endpoint gets its access key.
func TestSecretsNeverShown(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	s3 := s3test.Start(t)
	dataDir, secretsDir, outDir := t.TempDir(), t.TempDir(), t.TempDir()
	const (
		restHTTPKey  = "rest-http-key-SECRET-1111"
		applyHTTPKey = "apply-http-key-SECRET-2222"
		fhHTTPKey    = "firehose-http-key-SECRET-3333"
		wrongSecret  = "wrong-s3-secret-SECRET-4444"
		urlPassword  = "url-password-SECRET-5555"
		refusedKey   = "refused-http-key-SECRET-6666"
	)
	secrets := []string{s3.AccessKey, s3.SecretKey, restHTTPKey, applyHTTPKey, fhHTTPKey, wrongSecret, urlPassword, refusedKey}
	t.Setenv("SLUICE_SECRET_S3_ID", s3.AccessKey)
	writeSecret := func(name, v string) {
		if err := os.WriteFile(filepath.Join(secretsDir, name), []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeSecret("s3-secret", s3.SecretKey)
	writeSecret("rotating", s3.SecretKey)

	var gotKeys sync.Map
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKeys.Store(r.Header.Get("X-Amz-Firehose-Access-Key"), true)
		fmt.Fprintf(w, `{"requestId":%q,"timestamp":1}`, r.Header.Get("X-Amz-Firehose-Request-Id"))
	}))
	defer endpoint.Close()
	down := closedPort(t)

	log := &syncBuffer{}
	cfg := host.Config{DataDir: dataDir, OutputRoot: outDir, SecretsDir: secretsDir}
	h := openSecretHost(t, cfg, log)
	c := &collector{t: t, seen: map[string]string{}}
	s3Keys := fmt.Sprintf(`"endpoint":%q,"bucket":%q,"region":%q,"pathStyle":true`, s3.Endpoint, s3.Bucket, s3.Region)

	// Through the REST API.
	put := func(name, body string, want int) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPut, h.ep+"/v1/delivery-streams/"+name, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.add("PUT "+name, string(b))
		if resp.StatusCode != want {
			t.Fatalf("PUT %s: %d %s, want %d", name, resp.StatusCode, b, want)
		}
	}
	put("rest-s3", `{"buffering":{"intervalSeconds":0},"destination":{"kind":"s3","prefix":"rest-s3/","s3":{`+s3Keys+
		fmt.Sprintf(`,"accessKeyId":%q,"secretAccessKey":%q}}}`, s3.AccessKey, s3.SecretKey), 200)
	put("rest-http", `{"buffering":{"intervalSeconds":0},"destination":{"kind":"http","http":{"url":"`+endpoint.URL+`","accessKey":"`+restHTTPKey+
		`","errorStore":{"kind":"folder","folder":{"path":"rest-http-errors"}}}}}`, 200)
	// Refused requests that carry secrets do not repeat them.
	put("bad-url", `{"destination":{"kind":"http","http":{"url":"https://user:`+urlPassword+`@example.test/","accessKey":"`+refusedKey+
		`","errorStore":{"kind":"folder","folder":{"path":"x"}}}}}`, 400)
	put("bad-size", `{"buffering":{"sizeMiB":1000},"destination":{"kind":"s3","s3":{`+s3Keys+
		fmt.Sprintf(`,"accessKeyId":%q,"secretAccessKey":%q}}}`, s3.AccessKey, wrongSecret), 400)
	put("bad-s3-secret", `{"destination":{"kind":"s3","s3":{`+s3Keys+
		fmt.Sprintf(`,"accessKeyId":%q,"secretAccessKey":%q}}}`, s3.AccessKey, wrongSecret), 400) // the probe's 403

	// Through a pipeline file.
	pipeline := writeFile(t, "pipeline.yaml", fmt.Sprintf(`
streams:
  - {name: src, shards: 1}
deliveryStreams:
  - name: file-s3-ref
    buffering: {intervalSeconds: 0}
    destination:
      kind: s3
      prefix: file-s3-ref/
      s3: {endpoint: %[1]s, bucket: %[2]s, region: %[3]s, pathStyle: true,
           accessKeyIdFrom: {env: SLUICE_SECRET_S3_ID}, secretAccessKeyFrom: {file: s3-secret}}
  - name: file-http
    buffering: {intervalSeconds: 0}
    destination:
      kind: http
      http:
        url: %[4]s
        accessKey: %[5]s
        errorStore: {kind: s3, s3: {endpoint: %[1]s, bucket: %[2]s, region: %[3]s, pathStyle: true, accessKeyId: %[6]s, secretAccessKey: %[7]s}}
  - name: failing-s3
    buffering: {intervalSeconds: 0}
    destination:
      kind: s3
      prefix: failing/
      s3: {endpoint: %[1]s, bucket: %[2]s, region: %[3]s, pathStyle: true,
           accessKeyIdFrom: {env: SLUICE_SECRET_S3_ID}, secretAccessKeyFrom: {file: rotating}}
`, s3.Endpoint, s3.Bucket, s3.Region, endpoint.URL, applyHTTPKey, s3.AccessKey, s3.SecretKey))
	c.cli(h.ep, "", "apply", "-f", pipeline)
	if !strings.Contains(c.seen["sluice apply -f "+pipeline], "delivery stream failing-s3: created") {
		t.Fatalf("apply: %s", c.seen["sluice apply -f "+pipeline])
	}
	c.cli(h.ep, "", "apply", "-f", pipeline, "-o", "json")

	// Through the Firehose API: an endpoint that is down.
	fc := (&cli{endpoint: h.ep, region: "us-east-1"}).firehoseClient()
	_, err := fc.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("fh-http"),
		HttpEndpointDestinationConfiguration: &fhtypes.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &fhtypes.HttpEndpointConfiguration{Url: aws.String(down), AccessKey: aws.String(fhHTTPKey), Name: aws.String("down")},
			S3Configuration:       &fhtypes.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::fh-errors"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
			RetryOptions:          &fhtypes.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(0)},
			BufferingHints:        &fhtypes.HttpEndpointBufferingHints{IntervalInSeconds: aws.Int32(0)},
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	_, err = fc.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("fh-refused"),
		HttpEndpointDestinationConfiguration: &fhtypes.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &fhtypes.HttpEndpointConfiguration{Url: aws.String("http://169.254.169.254/"), AccessKey: aws.String(refusedKey)},
			S3Configuration:       &fhtypes.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::fh-errors"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
		},
	})
	c.add("CreateDeliveryStream fh-refused", fmt.Sprint(err))
	if err == nil {
		t.Fatal("an HTTP endpoint at the metadata address was created")
	}

	// Records through every delivery stream: the secrets are used.
	for _, name := range []string{"rest-s3", "rest-http", "file-s3-ref", "file-http", "failing-s3", "fh-http"} {
		c.cli(h.ep, "", "put", "--delivery", name, `{"to":"`+name+`"}`)
	}
	waitFor(t, "the referred S3 keys to deliver", func() bool { return len(s3.List("file-s3-ref/")) > 0 && len(s3.List("rest-s3/")) > 0 })
	waitFor(t, "the HTTP endpoint to get both access keys", func() bool {
		_, a := gotKeys.Load(restHTTPKey)
		_, b := gotKeys.Load(applyHTTPKey)
		return a && b
	})
	waitFor(t, "the endpoint that is down to fail", func() bool {
		var d rest.DeliveryStream
		return getJSON(h.ep+"/v1/delivery-streams/fh-http", &d) && d.Status.ErrorRecords > 0
	})
	collect := func(ep string) {
		names := []string{"rest-s3", "rest-http", "file-s3-ref", "file-http", "failing-s3", "fh-http", "nope"}
		for _, p := range []string{"/v1/delivery-streams", "/v1/modules", "/v1/modules/nope", "/metrics", "/healthz", "/readyz", "/readyz?format=json", "/v1/cluster", "/v1/mirrors/nope"} {
			c.get(ep, p)
		}
		for _, n := range names {
			c.get(ep, "/v1/delivery-streams/"+n)
			c.cli(ep, "", "delivery", "describe", n)
			c.cli(ep, "", "delivery", "describe", n, "-o", "json")
			d, err := fc.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(n)})
			c.add("DescribeDeliveryStream "+n, fmt.Sprintf("%s %v", jsonText(d), err))
		}
		l, err := fc.ListDeliveryStreams(ctx, &awsfirehose.ListDeliveryStreamsInput{})
		c.add("ListDeliveryStreams", fmt.Sprintf("%s %v", jsonText(l), err))
		for _, args := range [][]string{
			{"delivery", "list"}, {"delivery", "list", "-o", "json"},
			{"stream", "list"}, {"stream", "list", "-o", "json"},
			{"stream", "describe", "src"}, {"stream", "describe", "src", "-o", "json"},
			{"module", "list"}, {"module", "list", "-o", "json"},
			{"module", "describe", "nope"}, {"module", "describe", "nope", "-o", "json"},
			{"cluster", "status"}, {"cluster", "status", "-o", "json"},
			{"mirror", "status", "nope"},
		} {
			c.cli(ep, "", args...)
		}
	}
	collect(h.ep)

	// The secret file now holds a wrong secret; after a restart the
	// pipeline reads it and every write is refused.
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	writeSecret("rotating", wrongSecret)
	h = openSecretHost(t, cfg, log)
	defer h.srv.Close()
	fc = (&cli{endpoint: h.ep, region: "us-east-1"}).firehoseClient()
	c.cli(h.ep, "", "put", "--delivery", "failing-s3", `{"after":"restart"}`)
	waitFor(t, "failing-s3 to fail with the wrong secret", func() bool {
		var d rest.DeliveryStream
		return getJSON(h.ep+"/v1/delivery-streams/failing-s3", &d) && d.Status.Failing() && strings.Contains(d.Status.LastError, "Signature")
	})
	collect(h.ep)
	c.add("server log", log.String())

	// Every list and describe command was run.
	for _, path := range listAndDescribeCommands(newRootCmd(nil, io.Discard, io.Discard), "") {
		ran := false
		for what := range c.seen {
			if strings.HasPrefix(what, "sluice "+path+" ") || what == "sluice "+path {
				ran = true
			}
		}
		if !ran {
			t.Errorf("the test does not run `sluice %s`: add it", path)
		}
	}
	// Every GET route of the server was asked.
	for _, route := range getRoutes(t) {
		asked := false
		for what := range c.seen {
			if strings.HasPrefix(what, "GET "+strings.Split(route, "{")[0]) {
				asked = true
			}
		}
		if !asked {
			t.Errorf("the test does not ask GET %s: add it", route)
		}
	}

	whats := make([]string, 0, len(c.seen))
	for w := range c.seen {
		whats = append(whats, w)
	}
	sort.Strings(whats)
	for _, w := range whats {
		for _, s := range secrets {
			if i := strings.Index(c.seen[w], s); i >= 0 {
				lo, hi := max(0, i-200), min(len(c.seen[w]), i+len(s)+50)
				t.Errorf("%s shows the secret %q: ...%s...", w, s, c.seen[w][lo:hi])
			}
		}
	}
	if !strings.Contains(c.seen["GET /v1/delivery-streams/rest-s3"], `"secretAccessKey":"****"`) {
		t.Errorf("describe does not show the masked secret: %s", c.seen["GET /v1/delivery-streams/rest-s3"])
	}
	if !strings.Contains(c.seen["sluice delivery describe file-s3-ref"], "file: s3-secret") {
		t.Errorf("describe does not show the secret's reference: %s", c.seen["sluice delivery describe file-s3-ref"])
	}
	if len(c.seen["server log"]) < 1000 {
		t.Fatalf("the server log is nearly empty: %q", c.seen["server log"])
	}
}

// listAndDescribeCommands returns the path of every command named list or
// describe under cmd ("delivery describe").
func listAndDescribeCommands(cmd *cobra.Command, prefix string) []string {
	var out []string
	for _, sub := range cmd.Commands() {
		path := strings.TrimSpace(prefix + " " + sub.Name())
		if sub.Name() == "list" || sub.Name() == "describe" {
			out = append(out, path)
		}
		out = append(out, listAndDescribeCommands(sub, path)...)
	}
	return out
}

// getRoutes finds every GET route the server registers, in its source.
func getRoutes(t *testing.T) []string {
	t.Helper()
	re := regexp.MustCompile(`"GET (/[^"]*)"`)
	var routes []string
	err := filepath.WalkDir(filepath.Join("..", "..", "host"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			routes = append(routes, m[1])
		}
		return nil
	})
	if err != nil || len(routes) == 0 {
		t.Fatalf("no GET routes found: %v", err)
	}
	return routes
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getJSON(url string, out any) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == 200 && jsonDecode(resp.Body, out) == nil
}

// closedPort is an http URL on a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonDecode(r io.Reader, out any) error { return json.NewDecoder(r).Decode(out) }
