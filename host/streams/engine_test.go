package streams

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
)

func openEngine(t *testing.T, s *jstest.Server) *Engine {
	t.Helper()
	e, err := Open(context.Background(), s.Conn, Config{})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func TestOpenFinishesInterruptedCreateAndDelete(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)

	// A create that crashed after writing its definition.
	half := &Stream{Name: "half.made", ID: 99, Status: StatusCreating, RetentionHours: DefaultRetentionHours,
		Shards: []Shard{{ID: ShardID(0), StartingHashKey: "0", EndingHashKey: MaxHashKey.String(), StartingSequence: 1}}}
	data, _ := json.Marshal(half)
	if _, err := e.kv.Create(ctx, kvKey(half.Name), data); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PutRecord(ctx, half.Name, Record{Data: []byte("x"), PartitionKey: "k"}, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("put to a CREATING stream: %v, want not found", err)
	}
	// A delete that crashed after marking the definition.
	if err := e.CreateStream(ctx, "doomed", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.update(ctx, "doomed", func(s *Stream) error { s.Status = StatusDeleting; return nil }); err != nil {
		t.Fatal(err)
	}

	e2 := openEngine(t, srv)
	s, err := e2.DescribeStream(ctx, "half.made")
	if err != nil || s.Status != StatusActive {
		t.Fatalf("after recovery: %+v, %v", s, err)
	}
	if _, err := e2.PutRecord(ctx, "half.made", Record{Data: []byte("x"), PartitionKey: "k"}, ""); err != nil {
		t.Fatalf("put after recovery: %v", err)
	}
	if _, err := srv.JS.Stream(ctx, "KDS_half~made"); err != nil {
		t.Fatalf("JetStream stream for half.made: %v", err)
	}
	if _, err := e2.DescribeStream(ctx, "doomed"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("doomed still described: %v", err)
	}
	if _, err := srv.JS.Stream(ctx, "KDS_doomed"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("doomed JetStream stream: %v", err)
	}
	// The name is free again.
	if err := e2.CreateStream(ctx, "doomed", 1); err != nil {
		t.Fatal(err)
	}
}

func TestEngineStoresRecordsOnShardSubjects(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngine(t, srv)
	if err := e.CreateStream(ctx, "a.b", 2); err != nil {
		t.Fatal(err)
	}
	res, err := e.PutRecords(ctx, "a.b", []Record{
		{Data: []byte("low"), PartitionKey: "k\r\n1", ExplicitHashKey: "0"},
		{Data: []byte("high"), PartitionKey: "k2", ExplicitHashKey: MaxHashKey.String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := srv.JS.Stream(ctx, "KDS_a~b")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"kds.a~b.shardId-000000000000", "kds.a~b.shardId-000000000001"} {
		seq, _ := ParseSequence("seq", res[i].SequenceNumber)
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != want || res[i].ShardID != want[len(want)-20:] {
			t.Errorf("record %d on %s (shard %s), want %s", i, m.Subject, res[i].ShardID, want)
		}
	}
	tok, err := e.GetShardIterator(ctx, "a.b", ShardID(0), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.GetRecords(ctx, tok, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || out.Records[0].PartitionKey != "k\r\n1" || out.Records[0].ExplicitHashKey != "0" {
		t.Fatalf("read back %+v", out.Records)
	}
}
