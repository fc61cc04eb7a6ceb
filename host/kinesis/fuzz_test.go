package kinesis

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/internal/awstest"
	"github.com/sluice-io/sluice/internal/jstest"
)

// fuzzOps are the operations FuzzKinesis drives, by the op byte modulo
// their count; TestFuzzOpsAreRegistered keeps the list whole.
var fuzzOps = []string{
	"CreateStream", "DeleteStream", "ListStreams", "DescribeStream", "DescribeStreamSummary",
	"ListShards", "PutRecord", "PutRecords", "GetShardIterator", "GetRecords",
	"IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod", "AddTagsToStream",
	"RemoveTagsFromStream", "ListTagsForStream", "SplitShard", "MergeShards",
	"UpdateShardCount", "UpdateStreamMode",
}

// mutating are the operations whose success changes the fixture, which is
// then built again, so each input meets the same state.
var mutating = map[string]bool{
	"CreateStream": true, "DeleteStream": true, "IncreaseStreamRetentionPeriod": true,
	"DecreaseStreamRetentionPeriod": true, "AddTagsToStream": true, "RemoveTagsFromStream": true,
	"SplitShard": true, "MergeShards": true, "UpdateShardCount": true, "UpdateStreamMode": true,
}

// kinesisTypes are the exception names the Kinesis API may answer bad
// input with (InternalFailure, a 500, is not among them).
var kinesisTypes = map[string]bool{
	ResourceNotFound: true, ResourceInUse: true, InvalidArgument: true, ExpiredIterator: true,
	LimitExceeded: true, Validation: true, ThroughputExceeded: true,
	awsjson.TypeSerialization: true,
}

// fuzzEnv is the Kinesis API on a real engine on a real JetStream, with a
// fixture: stream "s" of 2 shards holding records, shard 0 split (closed,
// children 2 and 3).
type fuzzEnv struct {
	e   *streams.Engine
	mux *awsjson.Mux
	// subs replaces placeholders in inputs with values only the running
	// fixture has: $ITER0 (closed shard 0 from TRIM_HORIZON), $ITER1 (open
	// shard 1), $ITERT (shard 1 AT_TIMESTAMP), $ITERP and $ITERF (shards 2
	// and 3 AT_TIMESTAMP in years 1 and 9999), $SEQ (a record of shard 1).
	subs  *strings.Replacer
	puts  int
	dirty bool
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	js := jstest.Start(tb, "")
	e, err := streams.Open(context.Background(), js.Conn, streams.Config{Region: "us-east-1", AccountID: "123456789012", MaxShards: 16, OnDemand: streams.OnDemandPolicy{MaxShards: 16}, ScaleInterval: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.Close() })
	f := &fuzzEnv{e: e, mux: awsjson.NewMux(nil)}
	Register(f.mux, e)
	f.reset(tb)
	return f
}

// reset deletes every stream and builds the fixture again.
func (f *fuzzEnv) reset(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	all, _, err := f.e.ListStreams(ctx, "", 0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range all {
		if err := f.e.DeleteStream(ctx, s.Name); err != nil {
			tb.Fatalf("reset: delete %s: %v", s.Name, err)
		}
	}
	if err := f.e.CreateStream(ctx, "s", 2); err != nil {
		tb.Fatal(err)
	}
	var seq string
	for i := range 6 {
		r, err := f.e.PutRecord(ctx, "s", streams.Record{Data: []byte{byte(i)}, PartitionKey: "k" + string(rune('a'+i)), ExplicitHashKey: []string{"0", streams.MaxHashKey.String()}[i%2]}, "")
		if err != nil {
			tb.Fatal(err)
		}
		seq = r.SequenceNumber
	}
	if err := f.e.SplitShard(ctx, "s", streams.ShardID(0), "1000"); err != nil {
		tb.Fatal(err)
	}
	iter := func(shard int, req streams.IteratorRequest) string {
		tok, err := f.e.GetShardIterator(ctx, "s", streams.ShardID(shard), req)
		if err != nil {
			tb.Fatal(err)
		}
		return tok
	}
	s, _ := f.e.DescribeStream(ctx, "s")
	at := s.Created
	past, future := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	f.subs = strings.NewReplacer(
		"$ITER0", iter(0, streams.IteratorRequest{Type: streams.TrimHorizon}),
		"$ITER1", iter(1, streams.IteratorRequest{Type: streams.TrimHorizon}),
		"$ITERT", iter(1, streams.IteratorRequest{Type: streams.AtTimestamp, Timestamp: &at}),
		"$ITERP", iter(2, streams.IteratorRequest{Type: streams.AtTimestamp, Timestamp: &past}),
		"$ITERF", iter(3, streams.IteratorRequest{Type: streams.AtTimestamp, Timestamp: &future}),
		"$SEQ", seq,
	)
	f.puts, f.dirty = 0, false
}

// call serves one input and checks the answer.
func (f *fuzzEnv) call(t testing.TB, op string, body []byte) string {
	t.Helper()
	if bytes.IndexByte(body, '$') >= 0 {
		body = []byte(f.subs.Replace(string(body)))
	}
	status, out := awstest.Call(f.mux, TargetPrefix+"."+op, body)
	typ := awstest.CheckAnswer(t, status, out, kinesisTypes)
	if typ == "" && mutating[op] {
		f.dirty = true
	}
	if typ == "" && (op == "PutRecord" || op == "PutRecords") {
		f.puts++
	}
	return typ
}

// FuzzKinesis drives every Kinesis operation with fuzzed JSON bodies
// through the real mux, handlers and engine: no panic, no 5xx, every
// error a Kinesis exception name. The seeds (testdata/fuzz/FuzzKinesis)
// hold a valid request of each operation, the inputs that crashed it
// once, and placeholders ($ITER0, $ITERT, ..., $SEQ, see fuzzEnv) for
// values the fixture makes.
func FuzzKinesis(f *testing.F) {
	env := newFuzzEnv(f)
	for i := range fuzzOps {
		f.Add(uint8(i), []byte(`{"StreamName":"s"}`))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		if env.dirty || env.puts > 2000 {
			env.reset(t)
		}
		env.call(t, fuzzOps[int(op)%len(fuzzOps)], body)
	})
}

// TestFuzzOpsAreRegistered checks that FuzzKinesis drives operations the
// API serves (an unknown one is not among the accepted answers).
func TestFuzzOpsAreRegistered(t *testing.T) {
	env := newFuzzEnv(t)
	for _, op := range fuzzOps {
		env.call(t, op, []byte(`{}`))
	}
}
