package streams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
)

// TestGroupedStream: a stream made with shard groups has one JetStream
// stream per part, each taking its own shards' subjects; its sequence
// numbers are the grouped form (35 digits, growing within a shard, a
// child's above its parents'), and every Kinesis read works on them:
// TRIM_HORIZON, AT_ and AFTER_SEQUENCE_NUMBER, LATEST, a subscription; a
// number of another shard is refused. Retention and delete reach every
// part.
func TestGroupedStream(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: time.Now()}
	srv := jstest.Start(t, "")
	e := openEngineOn(t, srv.Conn, Config{Now: clk.Now})
	if err := e.CreateStreamWith(ctx, "g", 4, CreateOptions{ShardGroups: MaxShardGroups + 1}); err == nil || !strings.Contains(err.Error(), "shardGroups") {
		t.Fatalf("%d groups: %v, want a validation error", MaxShardGroups+1, err)
	}
	if err := e.CreateStreamWith(ctx, "g", 4, CreateOptions{ShardGroups: 3}); err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(srv.Conn)
	subjects := func(part string) []string {
		t.Helper()
		st, err := js.Stream(ctx, part)
		if err != nil {
			t.Fatalf("part %s: %v", part, err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.Config.Subjects
	}
	for part, want := range map[string][]string{
		"KDS_g":    {"kds.g.shardId-000000000000", "kds.g.shardId-000000000003", "kdsfence.g"},
		"KDS_g=g1": {"kds.g.shardId-000000000001", "kdsfence.g.g1"},
		"KDS_g=g2": {"kds.g.shardId-000000000002", "kdsfence.g.g2"},
	} {
		if got := subjects(part); !slices.Equal(got, want) {
			t.Fatalf("part %s takes %v, want %v", part, got, want)
		}
	}

	// Puts: every record's number is the grouped form and names its part.
	perShard := map[string][]string{}
	var recs []Record
	for i := range 200 {
		recs = append(recs, Record{PartitionKey: fmt.Sprint("k", i), Data: []byte(fmt.Sprint(i))})
	}
	res, err := e.PutRecords(ctx, "g", recs)
	if err != nil || failed(res) > 0 {
		t.Fatalf("put: %v, %d failed", err, failed(res))
	}
	s, _ := e.DescribeStream(ctx, "g")
	for _, r := range res {
		if len(r.SequenceNumber) != groupedDigits || r.SequenceNumber[0] != '1' {
			t.Fatalf("sequence number %q is not the grouped form", r.SequenceNumber)
		}
		if part := r.SequenceNumber[11:15]; part != fmt.Sprintf("%04d", s.partOf(r.ShardID)) {
			t.Fatalf("record on %s has number %s of part %s", r.ShardID, r.SequenceNumber, part)
		}
		perShard[r.ShardID] = append(perShard[r.ShardID], r.SequenceNumber)
	}
	if len(perShard) != 4 {
		t.Fatalf("records on %d shards, want 4", len(perShard))
	}

	read := func(shard string, req IteratorRequest) []StoredRecord {
		t.Helper()
		it, err := e.GetShardIterator(ctx, "g", shard, req)
		if err != nil {
			t.Fatalf("iterator %s %+v: %v", shard, req, err)
		}
		out, err := e.GetRecords(ctx, it, MaxGetLimit)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Release()
		return slices.Clone(out.Records)
	}
	for shard, want := range perShard {
		got := read(shard, IteratorRequest{Type: TrimHorizon})
		var seqs []string
		for _, r := range got {
			seqs = append(seqs, r.SequenceNumber)
		}
		if !slices.Equal(seqs, want) || !slices.IsSorted(seqs) {
			t.Fatalf("shard %s read %v, put %v", shard, seqs, want)
		}
	}
	one := perShard[ShardID(1)]
	if got := read(ShardID(1), IteratorRequest{Type: AtSequenceNumber, StartingSequenceNumber: one[1]}); len(got) == 0 || got[0].SequenceNumber != one[1] {
		t.Fatalf("AT_SEQUENCE_NUMBER %s read %v", one[1], got)
	}
	if got := read(ShardID(1), IteratorRequest{Type: AfterSequenceNumber, StartingSequenceNumber: one[1]}); len(got) == 0 || got[0].SequenceNumber != one[2] {
		t.Fatalf("AFTER_SEQUENCE_NUMBER %s read %v", one[1], got)
	}
	for _, bad := range []string{perShard[ShardID(2)][0], perShard[ShardID(0)][0], FormatSequence(1), "1" + strings.Repeat("9", groupedDigits-1), "12x"} {
		_, err := e.GetShardIterator(ctx, "g", ShardID(1), IteratorRequest{Type: AtSequenceNumber, StartingSequenceNumber: bad})
		if !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("shard 1 at %s: %v, want InvalidArgument", bad, err)
		}
	}
	latest, err := e.GetShardIterator(ctx, "g", ShardID(2), IteratorRequest{Type: Latest})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.PutRecord(ctx, "g", Record{PartitionKey: "late", ExplicitHashKey: s.Shards[2].StartingHashKey, Data: []byte("late")}, ""); err != nil {
		t.Fatal(err)
	}
	if out, err := e.GetRecords(ctx, latest, 10); err != nil || len(out.Records) != 1 || string(out.Records[0].Data) != "late" {
		t.Fatalf("LATEST then a put: %v, %+v", err, out)
	}

	// A subscription reads the grouped numbers too.
	c, err := e.RegisterConsumer(ctx, "g", "c", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * ConsumerTransition)
	sub, err := e.Subscribe(ctx, e.ConsumerARN(c), ShardID(1), IteratorRequest{Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := sub.Next(ctx)
	sub.Close()
	if err != nil || len(ev.Records) == 0 || ev.Records[0].SequenceNumber != one[0] ||
		ev.ContinuationSequenceNumber != ev.Records[len(ev.Records)-1].SequenceNumber {
		t.Fatalf("subscription: %v, %+v", err, ev)
	}

	// A reshard: the children of each part start above their parents.
	clk.Advance(time.Minute)
	if err := e.UpdateShardCount(ctx, "g", 8); err != nil {
		t.Fatal(err)
	}
	s, _ = e.DescribeStream(ctx, "g")
	checkLineage(t, s)
	for _, sh := range s.Shards {
		if sh.ParentShardID != "" && sh.Gen != 1 {
			t.Fatalf("child %s has generation %d", sh.ID, sh.Gen)
		}
	}
	if got := subjects("KDS_g=g1"); !slices.Contains(got, shardSubject("g", ShardID(7))) || slices.Contains(got, shardSubject("g", ShardID(1))) {
		t.Fatalf("part 1 after the reshard takes %v", got)
	}
	res, err = e.PutRecords(ctx, "g", recs)
	if err != nil || failed(res) > 0 {
		t.Fatalf("put after the reshard: %v", err)
	}
	for _, r := range res {
		sh, _ := s.Shard(r.ShardID)
		parent, _ := s.Shard(sh.ParentShardID)
		if r.SequenceNumber <= s.SequenceNumber(parent, parent.EndingSequence) {
			t.Fatalf("record %s on %s is not above its parent %s's end", r.SequenceNumber, sh.ID, parent.ID)
		}
	}

	if err := e.SetRetention(ctx, "g", 48, true); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"KDS_g", "KDS_g=g1", "KDS_g=g2"} {
		st, _ := js.Stream(ctx, part)
		if info, _ := st.Info(ctx); info.Config.MaxAge != 48*time.Hour {
			t.Fatalf("part %s keeps records %s", part, info.Config.MaxAge)
		}
	}
	if err := e.DeleteStream(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"KDS_g", "KDS_g=g1", "KDS_g=g2"} {
		if _, err := js.Stream(ctx, part); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Fatalf("part %s after delete: %v", part, err)
		}
	}
}

// TestGroupedDefaultFromConfig: Config.ShardGroups applies to streams
// created without their own; one group is today's layout, unchanged.
func TestGroupedDefaultFromConfig(t *testing.T) {
	ctx := context.Background()
	srv := jstest.Start(t, "")
	e := openEngineOn(t, srv.Conn, Config{ShardGroups: 2})
	if err := e.CreateStream(ctx, "two", 2); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateStreamWith(ctx, "one", 2, CreateOptions{ShardGroups: 1}); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.DescribeStream(ctx, "two"); s.Groups != 2 {
		t.Fatalf("default: %d groups", s.Groups)
	}
	s, _ := e.DescribeStream(ctx, "one")
	if s.Grouped() {
		t.Fatalf("one group asked: %d", s.Groups)
	}
	r, err := e.PutRecord(ctx, "one", Record{PartitionKey: "k", Data: []byte("x")}, "")
	if err != nil || r.SequenceNumber != FormatSequence(1) {
		t.Fatalf("one group: %v, number %q", err, r.SequenceNumber)
	}
	// The tag chooses per stream, for any Kinesis client.
	if err := e.CreateStreamWith(ctx, "tagged", 2, CreateOptions{Tags: map[string]string{ShardGroupsTag: "3"}}); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.DescribeStream(ctx, "tagged"); s.Groups != 3 || s.Tags[ShardGroupsTag] != "3" {
		t.Fatalf("tagged: %d groups, tags %v", s.Groups, s.Tags)
	}
	for _, bad := range []string{"x", "0", "65", ""} {
		err := e.CreateStreamWith(ctx, "bad", 2, CreateOptions{Tags: map[string]string{ShardGroupsTag: bad}})
		if !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("tag %q: %v, want InvalidArgument", bad, err)
		}
	}
	if _, err := e.DescribeStream(ctx, "bad"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused create left %v", err)
	}
	if _, err := Open(ctx, srv.Conn, Config{ShardGroups: MaxShardGroups + 1}); err == nil {
		t.Fatal("Open took too many groups")
	}
}
