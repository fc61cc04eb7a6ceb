package firehose

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/awstest"
	"github.com/sluice-io/sluice/internal/jstest"
	"github.com/sluice-io/sluice/runtime"
)

// fuzzOps are the operations FuzzFirehose drives, by the op byte modulo
// their count.
var fuzzOps = []string{
	"CreateDeliveryStream", "DescribeDeliveryStream", "ListDeliveryStreams",
	"DeleteDeliveryStream", "PutRecord", "PutRecordBatch",
	"TagDeliveryStream", "UntagDeliveryStream", "ListTagsForDeliveryStream",
	"UpdateDestination", "StartDeliveryStreamEncryption", "StopDeliveryStreamEncryption",
}

// changes are the operations after whose success the fixture is made anew.
var changes = map[string]bool{
	"CreateDeliveryStream": true, "DeleteDeliveryStream": true,
	"TagDeliveryStream": true, "UntagDeliveryStream": true, "UpdateDestination": true,
}

// firehoseTypes are the exception names the Firehose API may answer bad
// input with (InternalFailure and ServiceUnavailableException, 5xx, are
// not among them).
var firehoseTypes = map[string]bool{
	ResourceNotFound: true, ResourceInUse: true, InvalidArgument: true, LimitExceeded: true,
	Validation: true, Serialization: true, ConcurrentModification: true,
}

// fuzzEnv is the Firehose API on a real delivery manager (with a module
// registry, a wasm runtime and data streams) on a real JetStream. The
// fixture: data stream "src", delivery streams "d" (direct put to the
// folder bucket "lake") and "k" (reading "src").
type fuzzEnv struct {
	mgr   *delivery.Manager
	eng   *streams.Engine
	mux   *awsjson.Mux
	dirty bool
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	ctx := context.Background()
	js := jstest.Start(tb, "")
	dir := tb.TempDir()
	rt, err := runtime.New(ctx, runtime.WithCacheDir(filepath.Join(dir, "cache")), runtime.WithKV(js.JS))
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := modules.Open(ctx, js.JS, rt, modules.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := streams.Open(ctx, js.Conn, streams.Config{Region: region, AccountID: account, ScaleInterval: -1})
	if err != nil {
		tb.Fatal(err)
	}
	mgr, err := delivery.Open(ctx, js.Conn, delivery.Deps{Streams: eng, Modules: reg, Runtime: rt},
		delivery.Config{Region: region, AccountID: account, OutputRoot: filepath.Join(dir, "buckets")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = mgr.Close()
		_ = rt.Close(context.Background())
		_ = eng.Close()
	})
	f := &fuzzEnv{mgr: mgr, eng: eng, mux: awsjson.NewMux(nil)}
	Register(f.mux, mgr, Config{Region: region, AccountID: account, ObjectStore: func(bucket string) (delivery.Destination, error) {
		return delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: filepath.Join(dir, "buckets", bucket)}}, nil
	}})
	if err := eng.CreateStream(ctx, "src", 2); err != nil {
		tb.Fatal(err)
	}
	f.reset(tb)
	return f
}

// fixtures are the delivery streams of the fixture, as CreateDeliveryStream
// bodies.
var fixtures = []string{
	`{"DeliveryStreamName":"d","DeliveryStreamType":"DirectPut","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake","RoleARN":"` + role + `","Prefix":"d/","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}}`,
	`{"DeliveryStreamName":"k","DeliveryStreamType":"KinesisStreamAsSource","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:` + region + `:` + account + `:stream/src","RoleARN":"` + role + `"},"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake","RoleARN":"` + role + `","Prefix":"k/"}}`,
}

// reset deletes every delivery stream and makes the fixture's again.
func (f *fuzzEnv) reset(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	names, err := f.mgr.List(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, n := range names {
		if err := f.mgr.Delete(ctx, n); err != nil {
			tb.Fatalf("reset: delete %s: %v", n, err)
		}
	}
	for _, body := range fixtures {
		if status, out := awstest.Call(f.mux, TargetPrefix+".CreateDeliveryStream", []byte(body)); status != 200 {
			tb.Fatalf("fixture: %d %s", status, out)
		}
	}
	f.dirty = false
}

// call serves one input and checks the answer.
func (f *fuzzEnv) call(t testing.TB, op string, body []byte) string {
	t.Helper()
	status, out := awstest.Call(f.mux, TargetPrefix+"."+op, body)
	typ := awstest.CheckAnswer(t, status, out, firehoseTypes)
	if typ == "" && changes[op] {
		f.dirty = true
	}
	return typ
}

// FuzzFirehose drives every Firehose operation with fuzzed JSON bodies
// through the real mux, handlers and delivery manager: no panic, no 5xx,
// every error a Firehose exception name. The seeds
// (testdata/fuzz/FuzzFirehose) hold a valid request of each operation and
// variations of CreateDeliveryStream's nested configuration.
func FuzzFirehose(f *testing.F) {
	env := newFuzzEnv(f)
	for i := range fuzzOps {
		f.Add(uint8(i), []byte(`{"DeliveryStreamName":"d"}`))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		if env.dirty {
			env.reset(t)
		}
		env.call(t, fuzzOps[int(op)%len(fuzzOps)], body)
	})
}
