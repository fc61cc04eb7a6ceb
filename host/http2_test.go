package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

// h2cClient is an HTTP client that speaks only HTTP/2 with prior
// knowledge over cleartext (as the AWS SDK for JavaScript v3 does to an
// http:// endpoint) and counts the connections it opens.
func h2cClient(dials *atomic.Int32, conf *http.HTTP2Config) *http.Client {
	tr := &http.Transport{HTTP2: conf}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetUnencryptedHTTP2(true)
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials != nil {
			dials.Add(1)
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: hangLimit}
}

// TestHTTP2Cleartext: the AWS SDK for Go v2 over HTTP/2 without TLS
// (prior knowledge) creates, puts, reads and lists through the Kinesis
// API and lists through Firehose's, every answer over HTTP/2.0, all on
// one connection; an HTTP/1.1 client on the same port still gets
// HTTP/1.1.
func TestHTTP2Cleartext(t *testing.T) {
	srv, _ := open(t, Config{})
	ctx := context.Background()
	var dials atomic.Int32
	rec := &protoRecorder{inner: h2cClient(&dials, nil)}
	ep := aws.String("http://" + srv.HTTPAddr())
	creds := credentials.NewStaticCredentialsProvider("x", "x", "")
	kc := kinesis.New(kinesis.Options{BaseEndpoint: ep, Region: "us-east-1", Credentials: creds, HTTPClient: rec})
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("h2"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	put, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("h2"), PartitionKey: aws.String("k"), Data: []byte("over h2c")})
	if err != nil {
		t.Fatal(err)
	}
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("h2"), ShardId: put.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	got, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(got.Records) != 1 || string(got.Records[0].Data) != "over h2c" {
		t.Fatalf("GetRecords: %v %v", got, err)
	}
	if list, err := kc.ListStreams(ctx, &kinesis.ListStreamsInput{}); err != nil || len(list.StreamNames) != 1 {
		t.Fatalf("ListStreams: %v %v", list, err)
	}
	fc := firehose.New(firehose.Options{BaseEndpoint: ep, Region: "us-east-1", Credentials: creds, HTTPClient: rec})
	if _, err := fc.ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{}); err != nil {
		t.Fatal(err)
	}
	if p := rec.seen(); p["HTTP/2.0"] != 6 || len(p) != 1 {
		t.Errorf("answers came over %v, want 6 over HTTP/2.0 only", p)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}

	resp, err := http.Get("http://" + srv.HTTPAddr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Proto != "HTTP/1.1" {
		t.Errorf("HTTP/1.1 client: %d over %s", resp.StatusCode, resp.Proto)
	}
}

// stalledPost starts an API request on c whose body never ends, so its
// handler holds a slot reading it; cancel ends it.
func stalledPost(t *testing.T, c *http.Client, srv *Server) (cancel func(), done <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	ch := make(chan error, 1)
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		ch <- err
	}()
	_, _ = pw.Write([]byte("{"))
	return func() { pw.CloseWithError(errors.New("cancelled")) }, ch
}

// TestHTTP2StreamsShareCaps: the streams of one HTTP/2 connection are
// requests like any other to the cap on requests in flight: two held,
// one queued, the next answered busy at once, all on one connection;
// when a held stream ends the queued one is served.
func TestHTTP2StreamsShareCaps(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{MaxInFlight: 2, MaxQueued: 1, QueueWait: hangLimit}})
	var dials atomic.Int32
	c := h2cClient(&dials, nil)
	cancel0, _ := stalledPost(t, c, srv)
	cancel1, _ := stalledPost(t, c, srv)
	defer cancel1()
	eventually(t, "two streams in flight", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 2
	})
	queued := make(chan *http.Response, 1)
	go func() {
		resp, err := c.Post("http://"+srv.HTTPAddr()+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
		if err != nil {
			t.Error(err)
		}
		queued <- resp
	}()
	eventually(t, "a stream queued", func() bool {
		return metric(t, srv, `sluice_http_requests_queued{class="api"}`) == 1
	})
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecord")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.ProtoMajor != 2 || resp.Header.Get("X-Amzn-ErrorType") != "ProvisionedThroughputExceededException" {
		t.Fatalf("over the cap: %d over %s, %s", resp.StatusCode, resp.Proto, resp.Header.Get("X-Amzn-ErrorType"))
	}
	cancel0()
	select {
	case resp := <-queued:
		if resp == nil || resp.ProtoMajor != 2 {
			t.Fatalf("queued stream: %v", resp)
		}
		resp.Body.Close()
	case <-time.After(hangLimit):
		t.Fatal("the queued stream was not served once a slot freed")
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want every stream on 1", n)
	}
}

// TestHTTP2TimeoutsPerStream: ReadTimeout cuts off a stream whose body
// never ends and gives its slot back, while its connection lives on and
// serves the next request; so does WriteTimeout for a stream whose
// answer is not read (flow control stops the server), and the other
// streams of the connection go on meanwhile.
func TestHTTP2TimeoutsPerStream(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{ReadTimeout: 500 * time.Millisecond, WriteTimeout: 2 * time.Second}})
	ctx := context.Background()
	if err := srv.streams.CreateStream(ctx, "big", 1); err != nil {
		t.Fatal(err)
	}
	mib := make([]byte, 1<<20)
	for range 8 {
		if res, err := srv.streams.PutRecords(ctx, "big", []streams.Record{{Data: mib, PartitionKey: "k"}}); err != nil || res[0].Err != nil {
			t.Fatalf("put: %v %v", err, res)
		}
	}
	it, err := srv.streams.GetShardIterator(ctx, "big", "shardId-000000000000", streams.IteratorRequest{Type: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	var dials atomic.Int32
	// A small receive window, so the unread answer stops the server.
	c := h2cClient(&dials, &http.HTTP2Config{MaxReceiveBufferPerStream: 64 << 10})

	_, done := stalledPost(t, c, srv)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a stream whose body never ended was answered 200")
		}
	case <-time.After(hangLimit):
		t.Fatal("ReadTimeout did not end the stream")
	}
	eventually(t, "the slot given back", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 0
	})

	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", strings.NewReader(fmt.Sprintf(`{"ShardIterator":%q}`, it)))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.GetRecords")
	stuck, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Body.Close()
	eventually(t, "the unread GetRecords in flight", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 1
	})
	// Meanwhile the connection serves other streams.
	if resp, err := c.Get("http://" + srv.HTTPAddr() + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("another stream: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	eventually(t, "WriteTimeout to give the unread stream's slot back", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 0
	})
	if _, err := io.Copy(io.Discard, stuck.Body); err == nil {
		t.Error("the stream cut by WriteTimeout read to its end")
	}
	resp, err := c.Post("http://"+srv.HTTPAddr()+"/", "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("after the cut: %s", resp.Proto)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections, want the timeouts to cut streams, not the connection", n)
	}
}

// TestHTTP2StalledPeerFreesSlots: a peer that opens streams asking for
// large answers and then stops reading its socket at all (so the server
// cannot write a byte) does not keep their handlers, and their slots,
// forever: the connection is closed once no byte can be written for
// WriteTimeout.
func TestHTTP2StalledPeerFreesSlots(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{WriteTimeout: 2 * time.Second}})
	ctx := context.Background()
	if err := srv.streams.CreateStream(ctx, "big", 1); err != nil {
		t.Fatal(err)
	}
	mib := make([]byte, 1<<20)
	for range 10 {
		if res, err := srv.streams.PutRecords(ctx, "big", []streams.Record{{Data: mib, PartitionKey: "k"}}); err != nil || res[0].Err != nil {
			t.Fatalf("put: %v %v", err, res)
		}
	}
	it, err := srv.streams.GetShardIterator(ctx, "big", "shardId-000000000000", streams.IteratorRequest{Type: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	conn, err := d.Dial("tcp", srv.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	peer := newRawH2(t, conn)
	body := fmt.Sprintf(`{"ShardIterator":%q}`, it)
	for i := range 3 {
		peer.post(uint32(2*i+1), srv.HTTPAddr(), "Kinesis_20131202.GetRecords", body)
	}
	eventually(t, "three GetRecords in flight", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 3
	})
	// The peer reads nothing from here on.
	eventually(t, "the stalled peer's slots given back", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 0
	})
}
