package kinesis

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

func TestSubscribeSmoke(t *testing.T) {
	e := startWith(t, "", &clock{}, streams.Config{SubscriptionDuration: 3 * time.Second})
	e.createStream(t, "s", 1)
	arn := e.register(t, "s", "c")
	e.put(t, "s", "a", "b")
	sub := e.subscribe(t, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	recs, _ := sub.records(2)
	e.put(t, "s", "c")
	more, _ := sub.records(1)
	if got := dataOf(append(recs, more...)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("got %v", got)
	}
	start := time.Now()
	for {
		_, err := sub.next(10 * time.Second)
		if err == errStreamEnded {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("ended after %v", time.Since(start))
}
