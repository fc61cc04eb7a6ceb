package natscluster

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestReplicatedStreamSurvivesANode: an R3 stream keeps taking writes
// while the node leading it is down, and that node catches up when it
// comes back.
func TestReplicatedStreamSurvivesANode(t *testing.T) {
	c := Start(t, 3)
	js, err := jetstream.New(c.Connect("test"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ReadyLimit)
	defer cancel()
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "r3", Subjects: []string{"r3.>"}, Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			for attempt := 0; ; attempt++ {
				// Each attempt has its own deadline: a publish sent while a
				// new leader is elected can go unanswered.
				actx, cancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := js.Publish(actx, "r3.x", fmt.Appendf(nil, "%d", i))
				cancel()
				if err == nil {
					break
				}
				if attempt == 200 || ctx.Err() != nil {
					t.Fatalf("publish %d: %v", i, err)
				}
				time.Sleep(50 * time.Millisecond) // a new leader is being elected
			}
		}
	}
	publish(0, 100)
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader := -1
	for i, n := range c.Nodes {
		if n.Name == info.Cluster.Leader {
			leader = i
		}
	}
	if leader < 0 {
		t.Fatalf("stream leader %q is none of the nodes", info.Cluster.Leader)
	}
	c.Stop(leader)
	publish(100, 200)
	c.Restart(leader)

	// The restarted node's own copy of the stream reaches 200 messages.
	for deadline := time.Now().Add(ReadyLimit); localMsgs(t, c.Nodes[leader].Server, "r3") != 200; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the restarted node never caught up to 200 messages")
		}
	}
}

// localMsgs is how many messages srv's own replica of stream holds.
func localMsgs(t *testing.T, srv *server.Server, stream string) uint64 {
	t.Helper()
	jsz, err := srv.Jsz(&server.JSzOptions{Accounts: true, Streams: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range jsz.AccountDetails {
		for _, s := range a.Streams {
			if s.Name == stream {
				return s.State.Msgs
			}
		}
	}
	return 0
}

// TestLoginRequired: the client listener refuses a connection without the
// cluster's login.
func TestLoginRequired(t *testing.T) {
	c := Start(t, 2)
	_, err := nats.Connect(c.URLs(), nats.MaxReconnects(0))
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("connect without a login: %v, want an authorization error", err)
	}
}
