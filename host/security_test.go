package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/sluice-io/sluice/host/auth"
)

// Test keys: an administrator, and a producer that may only put records
// into streams and delivery streams named sensors-*.
var (
	adminKey    = auth.Key{AccessKeyID: "AKIDADMIN000000001", SecretAccessKey: "admin-secret-0123456789", Name: "admin"}
	producerKey = auth.Key{AccessKeyID: "AKIDPRODUCER000001", SecretAccessKey: "producer-secret-0123456789", Name: "sensor-01",
		Permissions: []auth.Grant{
			{Actions: []string{"kinesis:PutRecord*"}, Resources: []string{"sensors-*"}},
			{Actions: []string{"firehose:PutRecord*"}, Resources: []string{"sensors-*"}},
		}}
	readerKey = auth.Key{AccessKeyID: "AKIDREADER00000001", SecretAccessKey: "reader-secret-0123456789", Name: "reader",
		Permissions: []auth.Grant{{Actions: []string{"kinesis:Get*", "kinesis:Describe*", "kinesis:List*"}}}}
)

// openSecure starts a server that accepts the test keys.
func openSecure(t testing.TB, mod func(*Config)) *Server {
	t.Helper()
	keys, err := auth.NewKeys(adminKey, producerKey, readerKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Security: SecurityConfig{Keys: keys}}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func creds(k auth.Key) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")
}

func kinesisAs(srv *Server, p aws.CredentialsProvider, region string) *kinesis.Client {
	return kinesis.New(kinesis.Options{BaseEndpoint: aws.String("http://" + srv.HTTPAddr()), Region: region, Credentials: p, RetryMaxAttempts: 1})
}

func firehoseAs(srv *Server, p aws.CredentialsProvider, region string) *firehose.Client {
	return firehose.New(firehose.Options{BaseEndpoint: aws.String("http://" + srv.HTTPAddr()), Region: region, Credentials: p, RetryMaxAttempts: 1})
}

// apiCode is the AWS error name of err ("" for none).
func apiCode(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode()
}

// TestSigV4GoSDK: the AWS SDK for Go v2's Kinesis and Firehose clients
// pass with a known key and get AWS's error names otherwise.
func TestSigV4GoSDK(t *testing.T) {
	srv := openSecure(t, nil)
	ctx := context.Background()
	if _, err := kinesisAs(srv, creds(adminKey), "us-east-1").CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("sensors-1"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	wrongSecret := credentials.NewStaticCredentialsProvider(adminKey.AccessKeyID, "not-the-secret-0123456789", "")
	unknown := credentials.NewStaticCredentialsProvider("AKIDUNKNOWN0000001", "whatever-secret-0123456789", "")
	withToken := credentials.NewStaticCredentialsProvider(adminKey.AccessKeyID, adminKey.SecretAccessKey, "a-session-token")
	cases := []struct {
		name   string
		p      aws.CredentialsProvider
		region string
		want   string
	}{
		{"right key", creds(adminKey), "us-east-1", ""},
		{"unknown key", unknown, "us-east-1", auth.CodeUnrecognizedClient},
		{"wrong secret", wrongSecret, "us-east-1", auth.CodeInvalidSignature},
		{"session token", withToken, "us-east-1", auth.CodeUnrecognizedClient},
		{"other region", creds(adminKey), "eu-west-1", auth.CodeInvalidSignature},
		{"no credentials", aws.AnonymousCredentials{}, "us-east-1", auth.CodeMissingToken},
	}
	for _, c := range cases {
		t.Run("kinesis/"+c.name, func(t *testing.T) {
			_, err := kinesisAs(srv, c.p, c.region).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("sensors-1")})
			if got := apiCode(t, err); got != c.want {
				t.Fatalf("got %q (%v), want %q", got, err, c.want)
			}
		})
		t.Run("firehose/"+c.name, func(t *testing.T) {
			_, err := firehoseAs(srv, c.p, c.region).ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
			if got := apiCode(t, err); got != c.want {
				t.Fatalf("got %q (%v), want %q", got, err, c.want)
			}
		})
	}
}

// signed builds a request signed with k for service at time at; tamper
// changes it after signing.
func signed(t testing.TB, srv *Server, method, path, target string, body []byte, k auth.Key, service string, at time.Time, tamper func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+srv.HTTPAddr()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	if err := auth.Sign(context.Background(), req, body, aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(req)
	}
	return req
}

// do sends req and returns the status and the error name of the answer
// (the AWS shape's __type, or the REST shape's code).
func do(t testing.TB, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Error   struct{ Code, Message string }
	}
	_ = json.Unmarshal(b, &e)
	if e.Type == "" {
		e.Type, e.Message = e.Error.Code, e.Error.Message
	}
	return resp.StatusCode, e.Type, e.Message
}

// TestSigV4Refusals: requests made with the SDK's signer and then
// changed, for the cases no client makes by itself.
func TestSigV4Refusals(t *testing.T) {
	srv := openSecure(t, nil)
	now := time.Now()
	const target = "Kinesis_20131202.ListStreams"
	body := []byte(`{}`)
	cases := []struct {
		name         string
		at           time.Time
		service      string
		tamper       func(*http.Request)
		status       int
		code, inText string
	}{
		{"valid", now, "kinesis", nil, 200, "", ""},
		{"tampered body", now, "kinesis", func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"Limit":1}`)), 11
		}, 400, auth.CodeInvalidSignature, "does not match"},
		{"clock 20 minutes behind", now.Add(-20 * time.Minute), "kinesis", nil, 400, auth.CodeInvalidSignature, "Signature expired"},
		{"clock 20 minutes ahead", now.Add(20 * time.Minute), "kinesis", nil, 400, auth.CodeInvalidSignature, "Signature not yet current"},
		{"clock 10 minutes behind", now.Add(-10 * time.Minute), "kinesis", nil, 200, "", ""},
		{"no Authorization", now, "kinesis", func(r *http.Request) { r.Header.Del("Authorization") }, 400, auth.CodeMissingToken, "missing Authentication Token"},
		{"malformed Authorization", now, "kinesis", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDADMIN000000001/20260101/us-east-1/kinesis/aws4_request")
		}, 400, auth.CodeIncompleteSignature, "requires 'Signature' parameter"},
		{"not SigV4", now, "kinesis", func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, 400, auth.CodeIncompleteSignature, ""},
		{"wrong service", now, "firehose", nil, 400, auth.CodeInvalidSignature, "scoped to correct service: 'kinesis'"},
		{"changed target", now, "kinesis", func(r *http.Request) { r.Header.Set("X-Amz-Target", "Kinesis_20131202.DeleteStream") }, 400, auth.CodeInvalidSignature, "does not match"},
		{"unsigned x-amz header", now, "kinesis", func(r *http.Request) { r.Header.Set("X-Amz-Extra", "1") }, 400, auth.CodeIncompleteSignature, "x-amz-extra"},
		{"payload hash header wrong", now, "kinesis", func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))
		}, 400, auth.CodeIncompleteSignature, "x-amz-content-sha256"},
		{"presigned", now, "kinesis", func(r *http.Request) {
			r.Header.Del("Authorization")
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"
		}, 400, auth.CodeIncompleteSignature, "presigned"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := signed(t, srv, "POST", "/", target, body, adminKey, c.service, c.at, c.tamper)
			status, code, msg := do(t, req)
			if status != c.status || code != c.code || !strings.Contains(msg, c.inText) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", status, code, msg, c.status, c.code, c.inText)
			}
		})
	}
}

func awsCreds(k auth.Key) aws.Credentials {
	return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}
}
