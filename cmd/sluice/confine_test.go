package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/sluice-io/sluice/host"
	"github.com/sluice-io/sluice/internal/dnstest"
)

// TestConfinementRefused: folder paths that leave the output root (..,
// an absolute path elsewhere, a symbolic link out), endpoints at link-local
// and metadata addresses (literally, or by a name that resolves to one),
// and an S3 destination without credentials that does not ask for the
// ambient ones are refused by `sluice apply`, by the REST API's PUT and,
// where the Firehose API can express them, by CreateDeliveryStream; and
// nothing is created, inside the root or out.
func TestConfinementRefused(t *testing.T) {
	ctx := context.Background()
	root, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "link-out")); err != nil {
		t.Fatal(err)
	}
	dns := dnstest.Start(t)
	dns.Set("imds.test", "169.254.169.254")
	dns.Set("linklocal.test", "fe80::1")
	srv, err := host.Open(ctx, host.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", OutputRoot: root, Resolver: dns.Resolver()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ep := "http://" + srv.HTTPAddr()

	httpTo := func(u string) string {
		return fmt.Sprintf(`{"kind":"http","http":{"url":%q,"errorStore":{"kind":"folder","folder":{"path":"errors"}}}}`, u)
	}
	s3At := func(endpoint, creds string) string {
		return fmt.Sprintf(`{"kind":"s3","s3":{"endpoint":%q,"bucket":"b","pathStyle":true%s}}`, endpoint, creds)
	}
	keys := `,"accessKeyId":"a","secretAccessKey":"s"`
	cases := []struct {
		name, dest, want string
	}{
		{"dot-dot", `{"kind":"folder","folder":{"path":"../escape"}}`, ".."},
		{"absolute-outside", fmt.Sprintf(`{"kind":"folder","folder":{"path":%q}}`, outside), "outside the output root"},
		{"symlink-out", `{"kind":"folder","folder":{"path":"link-out/x"}}`, "symbolic link"},
		{"metadata-ip", httpTo("http://169.254.169.254/latest/meta-data/"), "169.254.169.254"},
		{"metadata-v6", httpTo("http://[fd00:ec2::254]/"), "fd00:ec2::254"},
		{"metadata-name", httpTo("http://metadata.google.internal/"), "metadata"},
		{"name-to-metadata", httpTo("http://imds.test/"), "imds.test resolves to 169.254.169.254"},
		{"name-to-link-local", httpTo("http://linklocal.test/"), "fe80::1"},
		{"s3-at-metadata", s3At("http://169.254.169.254", keys), "169.254.169.254"},
		{"s3-name-to-metadata", s3At("http://imds.test:9000", keys), "imds.test resolves to"},
		{"s3-without-credentials", s3At("http://127.0.0.1:1", ""), "useAmbientCredentials"},
		{"error-store-out", `{"kind":"http","http":{"url":"http://127.0.0.1:1/","errorStore":{"kind":"folder","folder":{"path":"../up"}}}}`, ".."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def := `{"name":"` + tc.name + `","buffering":{"intervalSeconds":0},"destination":` + tc.dest + `}`
			// A pipeline file is YAML, and JSON is YAML.
			file := writeFile(t, "p.yaml", `{"deliveryStreams":[`+def+`]}`)
			_, err := sluice(t, ep, "", "apply", "-f", file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("apply: %v, want a refusal mentioning %q", err, tc.want)
			}
			req, _ := http.NewRequest(http.MethodPut, ep+"/v1/delivery-streams/"+tc.name, strings.NewReader(def))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tc.want) {
				t.Errorf("PUT: %d %s, want 400 mentioning %q", resp.StatusCode, b, tc.want)
			}
		})
	}

	// The Firehose API has no folder paths (a bucket is a folder named as
	// the bucket, and its ARN cannot hold a path) but has HTTP endpoints.
	fc := (&cli{endpoint: ep, region: "us-east-1"}).firehoseClient()
	for _, u := range []string{"http://169.254.169.254/", "http://imds.test/", "http://metadata.google.internal/"} {
		_, err := fc.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
			DeliveryStreamName: aws.String("fh"),
			HttpEndpointDestinationConfiguration: &fhtypes.HttpEndpointDestinationConfiguration{
				EndpointConfiguration: &fhtypes.HttpEndpointConfiguration{Url: aws.String(u)},
				S3Configuration:       &fhtypes.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::errors"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
			},
		})
		if err == nil || !strings.Contains(err.Error(), "InvalidArgumentException") || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("CreateDeliveryStream to %s: %v, want InvalidArgumentException (not allowed)", u, err)
		}
	}
	for _, arn := range []string{"arn:aws:s3:::../up", "arn:aws:s3:::a/b", "arn:aws:s3:::.."} {
		_, err := fc.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
			DeliveryStreamName:                 aws.String("fh"),
			ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{BucketARN: aws.String(arn), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")},
		})
		if err == nil {
			t.Errorf("CreateDeliveryStream with bucket %s succeeded", arn)
		}
	}

	out, err := sluice(t, ep, "", "delivery", "list", "-o", "json")
	if err != nil || strings.Contains(out, `"name"`) {
		t.Fatalf("delivery streams were created: %s %v", out, err)
	}
	for _, dir := range []string{outside, filepath.Dir(root)} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() == "escape" || e.Name() == "up" || e.Name() == "x" {
				t.Errorf("%s was made in %s", e.Name(), dir)
			}
		}
	}
}

// TestNamesCannotReachTheFileSystem: stream, module and delivery stream
// names that could make a path (a /, a backslash, a NUL, ..) are refused
// by every API that takes them; ".." itself is a valid Kinesis and
// Firehose name, and is mapped without ever being a path element: a data
// stream ".." stores and returns its records, and a delivery stream ".."
// writes its objects inside its folder.
func TestNamesCannotReachTheFileSystem(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	srv, err := host.Open(ctx, host.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", OutputRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ep := "http://" + srv.HTTPAddr()
	kc := (&cli{endpoint: ep, region: "us-east-1"}).kinesisClient()
	fc := (&cli{endpoint: ep, region: "us-east-1"}).firehoseClient()
	bucket := &fhtypes.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::bucket"), RoleARN: aws.String("arn:aws:iam::000000000000:role/r")}
	for _, name := range []string{"../x", "a/b", "/etc", "a\x00b", "a\\b", "x/..", strings.Repeat("n", 200)} {
		if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err == nil {
			t.Errorf("CreateStream %q succeeded", name)
		}
		if _, err := fc.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(name), ExtendedS3DestinationConfiguration: bucket}); err == nil {
			t.Errorf("CreateDeliveryStream %q succeeded", name)
		}
		for _, r := range []struct{ method, path string }{
			{http.MethodPost, "/v1/modules/" + url.PathEscape(name)},
			{http.MethodPut, "/v1/delivery-streams/" + url.PathEscape(name)},
		} {
			req, _ := http.NewRequest(r.method, ep+r.path, strings.NewReader(`{"destination":{"kind":"folder","folder":{"path":"x"}}}`))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("%s %s: %d, want a 4xx refusal", r.method, r.path, resp.StatusCode)
			}
		}
	}
	// Modules take no dots at all.
	if _, err := sluice(t, ep, "", "module", "push", "..", os.DevNull); err == nil {
		t.Error("a module named .. was pushed")
	}

	// ".." as a data stream and as a delivery stream.
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(".."), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	mustSluice(t, ep, "", "put", "..", "-k", "k", `{"dots":1}`)
	if got := mustSluice(t, ep, "", "get", ".."); !strings.Contains(got, `{"dots":1}`) {
		t.Fatalf("get ..: %q", got)
	}
	// (The REST API cannot name it: HTTP clients and servers resolve ".."
	// in a URL path. The Firehose API can.)
	if _, err := fc.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(".."),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::dots"),
			RoleARN: aws.String("arn:aws:iam::000000000000:role/r"), BufferingHints: &fhtypes.BufferingHints{IntervalInSeconds: aws.Int32(0)}}}); err != nil {
		t.Fatal(err)
	}
	mustSluice(t, ep, "", "put", "--delivery", "..", `{"dots":2}`)
	files := waitFiles(t, filepath.Join(root, "dots"), "", func(f map[string][]byte) bool { return len(f) > 0 })
	for p := range files {
		if filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(p))))) != filepath.Join(root, "dots") || !strings.Contains(filepath.Base(p), "-1-") {
			t.Errorf("object %s: want it in dots/YYYY/MM/DD/HH/ under the output root", p)
		}
	}
}
