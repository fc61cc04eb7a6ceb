package jsretry

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/natscluster"
)

// TestConcurrentCreates: three hosts creating the same R3 bucket at once,
// each through its own node, all get it. Without the retries most runs
// leave two of the three requests unanswered.
func TestConcurrentCreates(t *testing.T) {
	c := natscluster.Start(t, 3)
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", n.ClientPort), nats.UserInfo(c.User, c.Password))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, errs[i] = KeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: "defs", History: 1, Replicas: 3})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i+1, err)
		}
	}
}

// TestRefusalEndsRetries: an answer that is an error is returned at once,
// not retried until the deadline.
func TestRefusalEndsRetries(t *testing.T) {
	c := natscluster.Start(t, 3)
	js, err := jetstream.New(c.Connect("test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	calls := 0
	err = Do(ctx, func(ctx context.Context) error {
		calls++
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "too-many", Subjects: []string{"x"}, Replicas: 7})
		return err
	})
	if err == nil || calls != 1 {
		t.Fatalf("after %d calls: %v, want one call refused", calls, err)
	}
}

// TestTimeoutRetried: an attempt that times out is made again, each with
// its own deadline, until one succeeds.
func TestTimeoutRetried(t *testing.T) {
	calls := 0
	err := Do(context.Background(), func(ctx context.Context) error {
		calls++
		if calls < 3 {
			<-ctx.Done() // unanswered
			return ctx.Err()
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("after %d calls: %v, want success on the third", calls, err)
	}
}

// TestNoPeersRetriedOnlyWhenMakingStreams: "no suitable peers" is waited
// out by the helpers that make Sluice's own streams and buckets (a node
// at start may not know every peer yet), not by Do, whose callers answer
// API requests.
func TestNoPeersRetriedOnlyWhenMakingStreams(t *testing.T) {
	noPeersErr := &jetstream.APIError{Code: 400, ErrorCode: noPeers, Description: "no suitable peers for placement"}
	for name, c := range map[string]struct {
		retry func(error) bool
		want  int
	}{"Do": {transient, 1}, "helpers": {placing, 3}} {
		calls := 0
		err := do(context.Background(), func(context.Context) error {
			if calls++; calls < 3 {
				return noPeersErr
			}
			return nil
		}, c.retry)
		if calls != c.want {
			t.Errorf("%s: %d calls (err %v), want %d", name, calls, err, c.want)
		}
	}
}
