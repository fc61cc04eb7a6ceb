package host

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/natsd"
	"github.com/sluice-io/sluice/internal/disktest"
)

// hangGuard ends a wait or a call that would otherwise hang; it is not a
// timing assertion.
const hangGuard = time.Minute

// recordSize is the data size of the records the disk tests write, and
// fillSize that of the records that fill the store (as large as both APIs
// take, four to a call, so that filling takes few calls).
const (
	recordSize = 10 << 10
	fillSize   = 1000 << 10
)

// fullEnv is a whole server on a data directory of the test's choosing,
// with AWS SDK clients (no SDK retries: each call is one request) and the
// records each stream acknowledged.
type fullEnv struct {
	t    *testing.T
	dir  string
	cfg  Config
	srv  *Server
	kc   *kinesis.Client // one request per call: what a put gets
	kr   *kinesis.Client // the SDK's retries: reads that check the data
	fc   *firehose.Client
	seq  int
	acks map[string]map[string]string // stream → sequence number → data
	fh   map[string]map[string]bool   // delivery stream → data acknowledged
}

func openFull(t *testing.T, dir string, cfg Config) *fullEnv {
	e := &fullEnv{t: t, dir: dir, cfg: cfg, acks: map[string]map[string]string{}, fh: map[string]map[string]bool{}}
	e.open()
	t.Cleanup(func() {
		if e.srv != nil {
			e.srv.Close()
		}
	})
	return e
}

func (e *fullEnv) open() {
	e.t.Helper()
	cfg := e.cfg
	cfg.DataDir, cfg.HTTPAddr = e.dir, "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(testLog{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	e.srv = srv
	endpoint := aws.String("http://" + srv.HTTPAddr())
	creds := credentials.NewStaticCredentialsProvider("x", "x", "")
	e.kc = kinesis.New(kinesis.Options{BaseEndpoint: endpoint, Region: "us-east-1", Credentials: creds, RetryMaxAttempts: 1})
	e.kr = kinesis.New(kinesis.Options{BaseEndpoint: endpoint, Region: "us-east-1", Credentials: creds})
	e.fc = firehose.New(firehose.Options{BaseEndpoint: endpoint, Region: "us-east-1", Credentials: creds, RetryMaxAttempts: 1})
}

func (e *fullEnv) restart() {
	e.t.Helper()
	start := time.Now()
	if err := e.srv.Close(); err != nil {
		e.t.Logf("close: %v", err)
	}
	e.srv = nil
	e.open()
	e.t.Logf("restarted in %s", time.Since(start))
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (e *fullEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *fullEnv) createStream(name string) {
	e.t.Helper()
	if _, err := e.kc.CreateStream(e.ctx(), &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	e.acks[name] = map[string]string{}
}

// createSourced makes a delivery stream reading a data stream.
func (e *fullEnv) createSourced(name, stream string) {
	e.t.Helper()
	if _, err := e.fc.CreateDeliveryStream(e.ctx(), &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/x"),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/x"),
			Prefix: aws.String(name + "/"),
		},
	}); err != nil {
		e.t.Fatalf("create delivery stream %s: %v", name, err)
	}
}

// createDirect makes a direct-put delivery stream writing JSON lines to
// the data directory's bucket "lake" (under name/), or to url when set.
func (e *fullEnv) createDirect(name, url string) {
	e.t.Helper()
	in := &firehose.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(name), DeliveryStreamType: fhtypes.DeliveryStreamTypeDirectPut}
	hints := &fhtypes.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)}
	if url == "" {
		in.ExtendedS3DestinationConfiguration = &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/x"),
			Prefix: aws.String(name + "/"), BufferingHints: hints,
		}
	} else {
		in.HttpEndpointDestinationConfiguration = &fhtypes.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &fhtypes.HttpEndpointConfiguration{Url: aws.String(url)},
			S3Configuration: &fhtypes.S3DestinationConfiguration{
				BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::000000000000:role/x"),
			},
			BufferingHints: &fhtypes.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		}
	}
	if _, err := e.fc.CreateDeliveryStream(e.ctx(), in); err != nil {
		e.t.Fatalf("create delivery stream %s: %v", name, err)
	}
	e.fh[name] = map[string]bool{}
}

func (e *fullEnv) data(tag string, size int) []byte {
	e.seq++
	b := fmt.Appendf(nil, "{\"tag\":%q,\"n\":%d,\"pad\":\"", tag, e.seq)
	b = append(b, bytes.Repeat([]byte{'x'}, size-len(b)-2)...)
	return append(b, '"', '}')
}

// failure is a refused record: its ErrorCode and ErrorMessage.
type failure struct{ code, msg string }

// putRecords sends n records to stream in one PutRecords, notes what was
// acknowledged and returns the refused records and how long the call took.
func (e *fullEnv) putRecords(stream string, n int) ([]failure, time.Duration) {
	return e.putSized(stream, n, recordSize)
}

func (e *fullEnv) putSized(stream string, n, size int) ([]failure, time.Duration) {
	e.t.Helper()
	recs := make([]types.PutRecordsRequestEntry, n)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: e.data(stream, size)}
	}
	start := time.Now()
	out, err := e.kc.PutRecords(e.ctx(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: recs})
	took := time.Since(start)
	if err != nil {
		e.t.Fatalf("PutRecords %s: %v (after %s)", stream, err, took)
	}
	var failed []failure
	for i, r := range out.Records {
		if r.ErrorCode != nil {
			failed = append(failed, failure{*r.ErrorCode, aws.ToString(r.ErrorMessage)})
			continue
		}
		e.acks[stream][aws.ToString(r.SequenceNumber)] = string(recs[i].Data)
	}
	if int(aws.ToInt32(out.FailedRecordCount)) != len(failed) {
		e.t.Fatalf("FailedRecordCount %d, %d records failed", aws.ToInt32(out.FailedRecordCount), len(failed))
	}
	return failed, took
}

// putBatch sends n records to a direct-put delivery stream in one
// PutRecordBatch, like putRecords.
func (e *fullEnv) putBatch(name string, n int) ([]failure, time.Duration) {
	return e.putBatchSized(name, n, recordSize)
}

func (e *fullEnv) putBatchSized(name string, n, size int) ([]failure, time.Duration) {
	e.t.Helper()
	recs := make([]fhtypes.Record, n)
	for i := range recs {
		recs[i] = fhtypes.Record{Data: e.data(name, size)}
	}
	start := time.Now()
	out, err := e.fc.PutRecordBatch(e.ctx(), &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(name), Records: recs})
	took := time.Since(start)
	if err != nil {
		e.t.Fatalf("PutRecordBatch %s: %v (after %s)", name, err, took)
	}
	var failed []failure
	for i, r := range out.RequestResponses {
		if r.ErrorCode != nil {
			failed = append(failed, failure{*r.ErrorCode, aws.ToString(r.ErrorMessage)})
			continue
		}
		e.fh[name][string(recs[i].Data)] = true
	}
	if int(aws.ToInt32(out.FailedPutCount)) != len(failed) {
		e.t.Fatalf("FailedPutCount %d, %d records failed", aws.ToInt32(out.FailedPutCount), len(failed))
	}
	return failed, took
}

// fillStore writes batches to stream (PutRecords) or to a direct-put
// delivery stream (PutRecordBatch) until one has refused records, and
// returns them with the duration of that call.
func (e *fullEnv) fillStore(name string, direct bool) ([]failure, time.Duration) {
	e.t.Helper()
	for range 1000 {
		put := e.putSized
		if direct {
			put = e.putBatchSized
		}
		if failed, took := put(name, 4, fillSize); len(failed) > 0 {
			return failed, took
		}
	}
	e.t.Fatalf("%s: 1,000 batches stored and the store is not full", name)
	return nil, 0
}

// stuff publishes 1 MiB messages straight to a JetStream subject of the
// store (kds.<stream>.<shard> or fh.<delivery stream>) until enough is
// true: a quick way to bring the store close to full, so that the API calls
// that follow are the ones that fill it.
func (e *fullEnv) stuff(subject string, enough func() bool) {
	e.t.Helper()
	js, err := jetstream.New(e.srv.nc)
	if err != nil {
		e.t.Fatal(err)
	}
	msg := bytes.Repeat([]byte{'s'}, 1<<20)
	for !enough() {
		ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
		_, err := js.Publish(ctx, subject, msg)
		cancel()
		if err != nil {
			e.t.Fatalf("stuff %s: %v", subject, err)
		}
	}
}

// nearLimit and nearFull say the store is within 4 MiB of its limit, or
// the disk within 4 MiB of full.
func (e *fullEnv) nearLimit() bool { return e.srv.nats.StoreUsed() > e.srv.nats.MaxStore()-4<<20 }
func (e *fullEnv) nearFull() bool  { return disktest.Free(e.t, e.dir) < 4<<20 }

// wantFailures checks that every refused record has code and a message
// containing text.
func (e *fullEnv) wantFailures(what string, failed []failure, code, text string) {
	e.t.Helper()
	if len(failed) == 0 {
		e.t.Fatalf("%s: nothing refused", what)
	}
	for _, f := range failed {
		if f.code != code || !strings.Contains(f.msg, text) {
			e.t.Fatalf("%s: refused with %s %q, want %s with a message saying %q", what, f.code, f.msg, code, text)
		}
	}
}

// wantAPIError checks err is the AWS error code with HTTP status.
func wantAPIError(t *testing.T, what string, err error, code string, status int, text string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code || !strings.Contains(api.ErrorMessage(), text) {
		t.Fatalf("%s: %v, want %s saying %q", what, err, code, text)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: %v, want HTTP %d", what, err, status)
	}
}

// singlePuts checks Kinesis PutRecord and Firehose PutRecord refuse a
// record with the full store's errors, and returns how long they took.
func (e *fullEnv) singlePuts(stream, direct, text string) (time.Duration, time.Duration) {
	e.t.Helper()
	start := time.Now()
	_, err := e.kc.PutRecord(e.ctx(), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: e.data(stream, recordSize)})
	kinesisTook := time.Since(start)
	wantAPIError(e.t, "Kinesis PutRecord", err, "ServiceUnavailable", http.StatusServiceUnavailable, text)
	start = time.Now()
	_, err = e.fc.PutRecord(e.ctx(), &firehose.PutRecordInput{DeliveryStreamName: aws.String(direct), Record: &fhtypes.Record{Data: e.data(direct, recordSize)}})
	firehoseTook := time.Since(start)
	wantAPIError(e.t, "Firehose PutRecord", err, "ServiceUnavailableException", http.StatusServiceUnavailable, text)
	return kinesisTook, firehoseTook
}

// healthy checks /healthz answers ok.
func (e *fullEnv) healthy() {
	e.t.Helper()
	resp, err := http.Get("http://" + e.srv.HTTPAddr() + "/healthz")
	if err != nil {
		e.t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("/healthz: %s", resp.Status)
	}
}

// readStream reads a one-shard stream from its oldest record.
func (e *fullEnv) readStream(stream string) map[string]string {
	e.t.Helper()
	ctx := e.ctx()
	it, err := e.kr.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		e.t.Fatalf("GetShardIterator %s: %v", stream, err)
	}
	got := map[string]string{}
	for iter := it.ShardIterator; iter != nil; {
		st := time.Now()
		out, err := e.kr.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			e.t.Fatalf("GetRecords %s: %v (after %s, ctx %v)", stream, err, time.Since(st), ctx.Err())
		}
		for _, r := range out.Records {
			got[aws.ToString(r.SequenceNumber)] = string(r.Data)
		}
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return got
}

// checkStreams checks every acknowledged record is readable, at its
// sequence number.
func (e *fullEnv) checkStreams(streams ...string) {
	e.t.Helper()
	for _, s := range streams {
		got := e.readStream(s)
		for seq, data := range e.acks[s] {
			if got[seq] != data {
				e.t.Fatalf("%s: acknowledged record %s is missing or changed (%d of %d read)", s, seq, len(got), len(e.acks[s]))
			}
		}
		e.t.Logf("%s: all %d acknowledged records readable", s, len(e.acks[s]))
	}
}

// checkDelivered waits until every record a direct-put delivery stream
// acknowledged is in its output folder.
func (e *fullEnv) checkDelivered(name string) {
	e.t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		got := map[string]bool{}
		_ = filepath.WalkDir(filepath.Join(e.dir, "buckets", "lake", name), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				got[sc.Text()] = true
			}
			return nil
		})
		missing := 0
		for data := range e.fh[name] {
			if !got[data] {
				missing++
			}
		}
		if missing == 0 {
			e.t.Logf("%s: all %d acknowledged records delivered", name, len(e.fh[name]))
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %d of %d acknowledged records not delivered in %s", name, missing, len(e.fh[name]), hangGuard)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allPut puts to stream and direct until both take everything, or fails
// after hangGuard; it returns how long it took.
func (e *fullEnv) allPut(stream, direct string) time.Duration {
	e.t.Helper()
	start := time.Now()
	for {
		kf, _ := e.putRecords(stream, 10)
		ff, _ := e.putBatch(direct, 10)
		if len(kf) == 0 && len(ff) == 0 {
			return time.Since(start)
		}
		if time.Since(start) > hangGuard {
			e.t.Fatalf("puts still refused %s after space was freed: %v %v", hangGuard, kf, ff)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// downEndpoint is an HTTP endpoint that refuses deliveries once down is
// set, so a delivery stream's records stay in its direct-put stream.
func downEndpoint(t *testing.T) (string, *atomic.Bool) {
	var down atomic.Bool
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d}`, r.Header.Get("X-Amz-Firehose-Request-Id"), time.Now().UnixMilli())
	}))
	t.Cleanup(s.Close)
	return s.URL, &down
}

// wedgeBuckets makes every key-value bucket try a write on the full disk,
// as a delivery checkpoint or an admin call would, so the deletes that
// follow must cope with buckets that cannot write.
func (e *fullEnv) wedgeBuckets() {
	e.t.Helper()
	js, err := jetstream.New(e.srv.nc)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx := e.ctx()
	for name := range js.KeyValueStoreNames(ctx).Name() {
		if !strings.Contains(name, "kinesis") && !strings.Contains(name, "delivery") {
			continue // the definitions buckets, whose readers skip the probe key
		}
		kv, err := js.KeyValue(ctx, name)
		if err != nil {
			e.t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err = kv.Put(wctx, "disk-full-probe", make([]byte, 64<<10))
		cancel()
		e.t.Logf("write to bucket %s on the full disk: %v", name, err)
	}
}

// TestStoreLimitReached: with the store at its limit (the default, 90 % of
// a small disk, so the disk still has room), puts are refused at once with
// the full store's errors (Kinesis PutRecords: InternalFailure per record;
// PutRecord: ServiceUnavailable; Firehose: ServiceUnavailableException),
// the server stays up, the limit is the same after a restart, deleting the
// stream or the direct-put delivery stream that holds the data frees it,
// puts succeed again, and every acknowledged record is there, also after a
// restart.
func TestStoreLimitReached(t *testing.T) {
	dir := disktest.Tmpfs(t, 32<<20)
	e := openFull(t, dir, Config{})
	limit := e.srv.nats.MaxStore()
	url, down := downEndpoint(t)
	e.createStream("keep")
	e.createStream("big")
	e.createDirect("fh", "")
	e.createDirect("held", url)
	e.createSourced("fromkeep", "keep")
	down.Store(true)
	e.putRecords("keep", 20)
	e.putBatch("fh", 20)

	for _, c := range []struct {
		fill, subject, delete string
		direct                bool
	}{
		{fill: "big", subject: "kds.big.shardId-000000000000", delete: "big"},
		{fill: "held", subject: "fh.held", delete: "held", direct: true},
	} {
		e.stuff(c.subject, e.nearLimit)
		failed, took := e.fillStore(c.fill, c.direct)
		t.Logf("%s: the call that reached the limit took %s", c.fill, took)
		if c.direct {
			e.wantFailures("PutRecordBatch at the limit", failed, "ServiceUnavailableException", "--max-store")
		} else {
			e.wantFailures("PutRecords at the limit", failed, "InternalFailure", "--max-store")
		}
		failed, took = e.putRecords("keep", 10)
		e.wantFailures("PutRecords to another stream", failed, "InternalFailure", "--max-store")
		t.Logf("PutRecords on the full store: %s", took)
		failed, took = e.putBatch("fh", 10)
		e.wantFailures("PutRecordBatch to another delivery stream", failed, "ServiceUnavailableException", "--max-store")
		t.Logf("PutRecordBatch on the full store: %s", took)
		kt, ft := e.singlePuts("keep", "fh", "--max-store")
		t.Logf("PutRecord on the full store: Kinesis %s, Firehose %s", kt, ft)
		e.healthy()
		if !c.direct {
			// A delivery stream that reads a data stream holds nothing to
			// free: its delete is refused, clearly, until there is room.
			_, err := e.fc.DeleteDeliveryStream(e.ctx(), &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("fromkeep")})
			wantAPIError(t, "DeleteDeliveryStream of a sourced stream", err, "ServiceUnavailableException", http.StatusServiceUnavailable, "frees no space")
			// The limit does not shrink at a restart of a full store.
			e.restart()
			if got := e.srv.nats.MaxStore(); got < limit-limit/100 {
				t.Fatalf("limit %d after a restart with a full store, was %d", got, limit)
			}
			failed, _ = e.putRecords("keep", 10)
			e.wantFailures("PutRecords after a restart", failed, "InternalFailure", "--max-store")
		}

		start := time.Now()
		if c.direct {
			if _, err := e.fc.DeleteDeliveryStream(e.ctx(), &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String(c.delete)}); err != nil {
				t.Fatalf("DeleteDeliveryStream %s on the full store: %v", c.delete, err)
			}
		} else if _, err := e.kc.DeleteStream(e.ctx(), &kinesis.DeleteStreamInput{StreamName: aws.String(c.delete)}); err != nil {
			t.Fatalf("DeleteStream %s on the full store: %v", c.delete, err)
		}
		t.Logf("delete %s on the full store took %s", c.delete, time.Since(start))
		t.Logf("puts accepted again %s after the delete", e.allPut("keep", "fh"))
		if !c.direct {
			if _, err := e.fc.DeleteDeliveryStream(e.ctx(), &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("fromkeep")}); err != nil {
				t.Fatalf("DeleteDeliveryStream of a sourced stream with room: %v", err)
			}
		}
	}
	e.checkStreams("keep")
	e.checkDelivered("fh")
	e.restart()
	e.checkStreams("keep")
	e.allPut("keep", "fh")
	e.checkStreams("keep")
	e.checkDelivered("fh")
}

// TestDiskFullRecovers: a real ENOSPC (another file takes the disk before
// the store reaches its limit) gives producers the full store's errors at
// once, not a 10 s stall and a throttling error; the server stays up; once
// the file is removed puts succeed again without a restart, and every
// acknowledged record is there, also after a restart.
func TestDiskFullRecovers(t *testing.T) {
	dir := disktest.Tmpfs(t, 32<<20)
	e := openFull(t, dir, Config{})
	e.createStream("keep")
	e.createDirect("fh", "")
	e.putRecords("keep", 20)
	e.putBatch("fh", 20)
	e.checkDelivered("fh")

	filler := disktest.Fill(t, dir, 2<<20)
	const text = "cannot take writes"
	failed, took := e.fillStore("keep", false)
	t.Logf("the PutRecords that hit ENOSPC took %s", took)
	e.wantFailures("PutRecords on a full disk", failed, "InternalFailure", text)
	failed, took = e.putRecords("keep", 10)
	e.wantFailures("PutRecords on a full disk, again", failed, "InternalFailure", text)
	t.Logf("the next PutRecords took %s", took)
	failed, took = e.putBatch("fh", 10)
	e.wantFailures("PutRecordBatch on a full disk", failed, "ServiceUnavailableException", text)
	t.Logf("PutRecordBatch on a full disk took %s", took)
	kt, ft := e.singlePuts("keep", "fh", text)
	t.Logf("PutRecord on a full disk: Kinesis %s, Firehose %s", kt, ft)
	// Changes of definitions are refused the same way, not as internal
	// failures after JetStream's timeout.
	start := time.Now()
	_, err := e.kc.AddTagsToStream(e.ctx(), &kinesis.AddTagsToStreamInput{StreamName: aws.String("keep"), Tags: map[string]string{"k": "v"}})
	wantAPIError(t, "AddTagsToStream on a full disk", err, "ServiceUnavailable", http.StatusServiceUnavailable, text)
	t.Logf("AddTagsToStream on a full disk took %s", time.Since(start))
	e.healthy()
	// Alive, but not ready: the store takes no writes.
	if code, rd, _ := readyz(t, e.srv); code != http.StatusServiceUnavailable || rd.Storage.Writable || rd.Storage.Error == "" {
		t.Fatalf("/readyz on a full disk: %d %+v", code, rd)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	t.Logf("puts accepted again %s after the file was removed", e.allPut("keep", "fh"))
	if code, rd, _ := readyz(t, e.srv); !rd.Storage.Writable {
		t.Fatalf("/readyz once there is room: %d %+v", code, rd)
	}
	e.checkStreams("keep")
	e.checkDelivered("fh")
	e.restart()
	e.checkStreams("keep")
	e.allPut("keep", "fh")
	e.checkStreams("keep")
	e.checkDelivered("fh")
}

// TestDiskFullDeleteFrees: when the store's own records fill the disk
// (ENOSPC below the store limit) and even the definitions buckets cannot
// write, DeleteStream and DeleteDeliveryStream still succeed and free the
// space, and puts to other streams succeed again without a restart.
func TestDiskFullDeleteFrees(t *testing.T) {
	dir := disktest.Tmpfs(t, 48<<20)
	e := openFull(t, dir, Config{MaxStore: natsd.StoreLimit{Bytes: 1 << 30}})
	url, down := downEndpoint(t)
	e.createStream("keep")
	e.createStream("big")
	e.createDirect("fh", "")
	e.createDirect("held", url)
	down.Store(true)
	e.putRecords("keep", 20)
	e.putBatch("fh", 20)
	e.checkDelivered("fh")

	const text = "cannot take writes"
	e.stuff("fh.held", e.nearFull)
	failed, _ := e.fillStore("held", true)
	e.wantFailures("PutRecordBatch on a full disk", failed, "ServiceUnavailableException", text)
	// Whatever room the guard would see is taken too, and the buckets
	// try a write.
	filler := disktest.Fill(t, dir, 0)
	e.wedgeBuckets()
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	failed, _ = e.putRecords("big", 10)
	e.wantFailures("PutRecords on a full disk", failed, "InternalFailure", text)
	e.healthy()

	start := time.Now()
	if _, err := e.fc.DeleteDeliveryStream(e.ctx(), &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("held")}); err != nil {
		t.Fatalf("DeleteDeliveryStream on a full disk: %v", err)
	}
	t.Logf("DeleteDeliveryStream on a full disk took %s", time.Since(start))
	t.Logf("puts accepted again %s after the delete", e.allPut("keep", "fh"))

	e.stuff("kds.big.shardId-000000000000", e.nearFull)
	e.fillStore("big", false)
	filler = disktest.Fill(t, dir, 0)
	e.wedgeBuckets()
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := e.kc.DeleteStream(e.ctx(), &kinesis.DeleteStreamInput{StreamName: aws.String("big")}); err != nil {
		t.Fatalf("DeleteStream on a full disk: %v", err)
	}
	t.Logf("DeleteStream on a full disk took %s", time.Since(start))
	t.Logf("puts accepted again %s after the delete", e.allPut("keep", "fh"))
	if _, err := e.kc.DescribeStreamSummary(e.ctx(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("big")}); err == nil {
		t.Fatal("the deleted stream is still listed")
	}
	e.checkStreams("keep")
	e.checkDelivered("fh")
	e.restart()
	e.checkStreams("keep")
	e.checkDelivered("fh")
}
