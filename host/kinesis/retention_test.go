package kinesis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestExpiredRecordsAreGone: retention is the JetStream stream's MaxAge.
// The test shortens that MaxAge directly (waiting 24 hours is not a test),
// lets the old records expire, and checks that readers see exactly the
// records written after: TRIM_HORIZON starts past the gone ones, and an
// iterator at a gone sequence number reads on from the oldest kept record.
func TestExpiredRecordsAreGone(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "short", 1)
	put := func(from, n int) *awskinesis.PutRecordsOutput {
		in := &awskinesis.PutRecordsInput{StreamName: aws.String("short")}
		for i := from; i < from+n; i++ {
			in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte(fmt.Sprint(i))})
		}
		out, err := e.client.PutRecords(ctx, in)
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("put: %v", err)
		}
		return out
	}
	old := put(0, 10)

	st, err := e.js.JS.Stream(ctx, "KDS_short")
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	cfg.MaxAge, cfg.Duplicates = time.Second, time.Second
	if _, err := e.js.JS.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // ends a hang, not a timing assertion
	for {
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d records still kept a minute after a 1 s MaxAge", info.State.Msgs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cfg.MaxAge = 24 * time.Hour
	if _, err := e.js.JS.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	put(10, 5)

	shard := "shardId-000000000000"
	want := "[10 11 12 13 14]"
	for _, c := range []struct {
		name string
		typ  types.ShardIteratorType
		seq  *string
	}{
		{"TRIM_HORIZON", types.ShardIteratorTypeTrimHorizon, nil},
		{"AT_SEQUENCE_NUMBER of a gone record", types.ShardIteratorTypeAtSequenceNumber, old.Records[3].SequenceNumber},
	} {
		var got []string
		for _, r := range e.readAll(t, e.iterator(t, "short", shard, c.typ, c.seq, nil), 0) {
			got = append(got, string(r.Data))
		}
		if fmt.Sprint(got) != want {
			t.Errorf("%s read %v, want %s", c.name, got, want)
		}
	}
}
