package host

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/nats-io/nats.go"

	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/host/tlsconf"
	"github.com/sluice-io/sluice/internal/tlstest"
)

// openTLS starts a real server whose listeners take TLS with files; NATS
// listens on a loopback port too.
func openTLS(t testing.TB, files tlsconf.Files) *Server {
	t.Helper()
	srv, err := Open(context.Background(), Config{
		DataDir:    t.TempDir(),
		HTTPAddr:   "127.0.0.1:0",
		NATSListen: "127.0.0.1:0",
		TLS:        files,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// serverFiles makes a CA and a certificate it signed for this machine's
// loopback names.
func serverFiles(t testing.TB) (*tlstest.CA, tlsconf.Files) {
	ca := tlstest.NewCA(t, "Sluice test CA")
	leaf := ca.Server(t, "localhost", "127.0.0.1")
	return ca, tlsconf.Files{Cert: leaf.CertFile, Key: leaf.KeyFile}
}

// protoRecorder is an AWS SDK HTTP client that remembers the protocol of
// every answer.
type protoRecorder struct {
	inner interface {
		Do(*http.Request) (*http.Response, error)
	}
	mu     sync.Mutex
	protos map[string]int
}

func (p *protoRecorder) Do(r *http.Request) (*http.Response, error) {
	resp, err := p.inner.Do(r)
	if err == nil {
		p.mu.Lock()
		if p.protos == nil {
			p.protos = map[string]int{}
		}
		p.protos[resp.Proto]++
		p.mu.Unlock()
	}
	return resp, err
}

func (p *protoRecorder) seen() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.protos
}

// TestTLSWithAWSSDK: the AWS SDK for Go v2, trusting the test CA, works
// with the Kinesis and Firehose APIs over HTTPS and negotiates HTTP/2: a
// record put through each comes back (read through Kinesis, delivered
// through Firehose). The Kinesis client trusts the CA through its HTTP
// client's transport, the Firehose client through config's
// WithCustomCABundle (what AWS_CA_BUNDLE sets): both ways the README shows.
func TestTLSWithAWSSDK(t *testing.T) {
	ca, files := serverFiles(t)
	srv := openTLS(t, files)
	ctx := context.Background()
	if !strings.HasPrefix(srv.HTTPURL(), "https://") {
		t.Fatalf("HTTPURL %s", srv.HTTPURL())
	}

	kinesisHTTP := &protoRecorder{inner: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig.RootCAs = ca.Pool()
	})}
	kc := kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String(srv.HTTPURL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:   kinesisHTTP,
	})
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	put, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("o-1"), Data: []byte(`{"id":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String("orders"), ShardId: put.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != 1 || string(got.Records[0].Data) != `{"id":1}` {
		t.Fatalf("read back %d records", len(got.Records))
	}
	if p := kinesisHTTP.seen(); p["HTTP/2.0"] == 0 || len(p) != 1 {
		t.Errorf("Kinesis client's answers came over %v, want HTTP/2.0 only", p)
	}

	caPEM, err := os.ReadFile(ca.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx,
		config.WithCustomCABundle(bytes.NewReader(caPEM)),
		config.WithRegion("us-east-1"),
		config.WithBaseEndpoint(srv.HTTPURL()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("x", "x", "")),
		config.WithSharedConfigFiles(nil), config.WithSharedCredentialsFiles(nil))
	if err != nil {
		t.Fatal(err)
	}
	firehoseHTTP := &protoRecorder{inner: awsCfg.HTTPClient}
	awsCfg.HTTPClient = firehoseHTTP
	fc := firehose.NewFromConfig(awsCfg)
	if _, err := fc.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("events"),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/firehose"),
			Prefix:         aws.String("events/"),
			BufferingHints: &fhtypes.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := fc.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("events"), Record: &fhtypes.Record{Data: []byte("over-tls\n")}}); err != nil {
		t.Fatal(err)
	}
	list, err := fc.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if err != nil || len(list.DeliveryStreamNames) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	eventually(t, "the Firehose record delivered", func() bool {
		found := false
		_ = filepath.WalkDir(filepath.Join(srv.cfg.DataDir, "buckets", "lake", "events"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				found = found || bytes.Contains(b, []byte("over-tls"))
			}
			return nil
		})
		return found
	})
	if p := firehoseHTTP.seen(); p["HTTP/2.0"] == 0 || len(p) != 1 {
		t.Errorf("Firehose client's answers came over %v, want HTTP/2.0 only", p)
	}
}

// TestTLSProtocols: a Go client that speaks only HTTP/2 gets HTTP/2 by
// ALPN, one that speaks only HTTP/1.1 gets HTTP/1.1, at TLS 1.2 or later;
// a TLS 1.1 client, a client that does not trust the CA and a plain-HTTP
// client get no answer from the API.
func TestTLSProtocols(t *testing.T) {
	ca, files := serverFiles(t)
	srv := openTLS(t, files)
	client := func(h1, h2 bool, tc *tls.Config) *http.Client {
		tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: h2}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(h1)
		tr.Protocols.SetHTTP2(h2)
		return &http.Client{Transport: tr, Timeout: hangLimit}
	}
	trusting := func() *tls.Config { return &tls.Config{RootCAs: ca.Pool()} }
	for _, c := range []struct {
		name         string
		h1, h2       bool
		major        int
		alpn         string
		pathAndProto string
	}{
		{"HTTP/2 only", false, true, 2, "h2", "/healthz"},
		{"HTTP/1.1 only", true, false, 1, "", "/healthz"}, // Go's HTTP/1-only client offers no ALPN
		{"both", true, true, 2, "h2", "/readyz"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := client(c.h1, c.h2, trusting()).Get(srv.HTTPURL() + c.pathAndProto)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.ProtoMajor != c.major || resp.TLS == nil ||
				resp.TLS.NegotiatedProtocol != c.alpn || resp.TLS.Version < tls.VersionTLS12 {
				t.Fatalf("status %d over %s (ALPN %q)", resp.StatusCode, resp.Proto, resp.TLS.NegotiatedProtocol)
			}
		})
	}

	old := trusting()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if _, err := client(true, false, old).Get(srv.HTTPURL() + "/healthz"); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("TLS 1.1 client: %v, want a protocol version refusal", err)
	}
	_, err := client(true, true, &tls.Config{}).Get(srv.HTTPURL() + "/healthz")
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Errorf("client that does not trust the CA: %v, want an unknown-authority error", err)
	}
	plain, err := http.Post("http://"+srv.HTTPAddr()+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(plain.Body)
	plain.Body.Close()
	if plain.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTP request to an HTTPS server") {
		t.Errorf("plain HTTP to the TLS listener: %d %s", plain.StatusCode, body)
	}
}

// TestTLSClientCertificates: with --tls-client-ca a client without a
// certificate, or with one another CA signed, is refused; one the client
// CA signed is served. Over TLS 1.2 the refusal comes in the handshake, so
// the client sees the server's alert; over TLS 1.3 the client's handshake
// ends first and the refusal comes as an alert or a closed connection on
// its first request, whichever the client sees first.
func TestTLSClientCertificates(t *testing.T) {
	ca, files := serverFiles(t)
	files.ClientCA = ca.CertFile
	srv := openTLS(t, files)
	good := ca.Client(t, "producer")
	stranger := tlstest.NewCA(t, "other CA").Client(t, "stranger")
	for _, c := range []struct {
		name  string
		certs []tls.Certificate
		ok    bool
	}{
		{"no certificate", nil, false},
		{"other CA's certificate", []tls.Certificate{stranger.TLS}, false},
		{"client CA's certificate", []tls.Certificate{good.TLS}, true},
	} {
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(fmt.Sprintf("%s/%s", c.name, tls.VersionName(version)), func(t *testing.T) {
				hc := &http.Client{Timeout: hangLimit, Transport: &http.Transport{
					ForceAttemptHTTP2: true,
					TLSClientConfig:   &tls.Config{RootCAs: ca.Pool(), Certificates: c.certs, MaxVersion: version},
				}}
				resp, err := hc.Get(srv.HTTPURL() + "/healthz")
				if err == nil {
					resp.Body.Close()
				}
				switch {
				case c.ok && (err != nil || resp.StatusCode != http.StatusOK):
					t.Fatalf("refused: %v", err)
				case !c.ok && err == nil:
					t.Fatalf("served: %s", resp.Status)
				case !c.ok && version == tls.VersionTLS12 && !strings.Contains(err.Error(), "remote error: tls:"):
					t.Errorf("refusal %v is not the server's TLS alert", err)
				}
			})
		}
	}
}

// TestTLSNATS: the NATS client listener takes the same certificate: a
// nats.go client trusting the CA connects over TLS, one that does not is
// refused, and the server's own in-process connections (every API call)
// are unaffected. (host/natsd's tests cover plain clients and client
// certificates.)
func TestTLSNATS(t *testing.T) {
	ca, files := serverFiles(t)
	srv := openTLS(t, files)
	if !strings.HasPrefix(srv.NATSURL(), "tls://") {
		t.Fatalf("NATS URL %s, want tls://", srv.NATSURL())
	}
	nc, err := nats.Connect(srv.NATSURL(), nats.RootCAs(ca.CertFile), nats.NoReconnect(), nats.Token(natsToken(t, srv, natsd.RoleData)))
	if err != nil {
		t.Fatalf("client trusting the CA: %v", err)
	}
	if cs, err := nc.TLSConnectionState(); err != nil || !cs.HandshakeComplete {
		t.Errorf("not TLS: %v", err)
	}
	nc.Close()
	if nc, err := nats.Connect(srv.NATSURL(), nats.NoReconnect(), nats.Token(natsToken(t, srv, natsd.RoleData))); err == nil {
		nc.Close()
		t.Fatal("a client that does not trust the CA connected")
	}
	hc := &http.Client{Timeout: hangLimit, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	resp, err := hc.Get(srv.HTTPURL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz %s with TLS on NATS", resp.Status)
	}
}

// TestTLSBadFilesFailAtStart: bad TLS files stop Open with the tlsconf
// message before the data directory is touched (nothing listens, no lock is
// taken).
func TestTLSBadFilesFailAtStart(t *testing.T) {
	ca, files := serverFiles(t)
	other := ca.Server(t, "other")
	for _, c := range []struct {
		name  string
		files tlsconf.Files
		want  string
	}{
		{"cert without key", tlsconf.Files{Cert: files.Cert}, "--tls-cert needs --tls-key"},
		{"mismatched", tlsconf.Files{Cert: files.Cert, Key: other.KeyFile}, "does not belong to the certificate"},
		{"swapped", tlsconf.Files{Cert: files.Key, Key: files.Cert}, "swapped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			srv, err := Open(context.Background(), Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", TLS: c.files})
			if err == nil {
				srv.Close()
				t.Fatal("started")
			}
			if !errors.Is(err, tlsconf.ErrBadFiles) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want ErrBadFiles saying %q", err, c.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the data directory was created: %v", err)
			}
		})
	}
}
