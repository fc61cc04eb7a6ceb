package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestScaleSplitMergeWhileFollowing reshards a stream with the CLI while
// 'get --follow' reads it, and checks that the follower moves on to the
// children of each closed shard and prints every key's records in order.
func TestScaleSplitMergeWhileFollowing(t *testing.T) {
	ep := startServer(t)
	mustSluice(t, ep, "", "stream", "create", "sc", "--shards", "1")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var followed syncBuffer
	followErr := make(chan error, 1)
	go func() {
		followErr <- run(ctx, []string{"--endpoint", ep, "-o", "json", "get", "sc", "--follow"}, strings.NewReader(""), &followed, &bytes.Buffer{})
	}()

	keys := []string{"a", "b", "c", "d"}
	const perPhase = 50
	phase := 0
	put := func() {
		for _, k := range keys {
			var lines strings.Builder
			for i := range perPhase {
				fmt.Fprintf(&lines, "%d\n", phase*perPhase+i)
			}
			mustSluice(t, ep, lines.String(), "put", "sc", "-k", k)
		}
		phase++
	}
	put()
	out := mustSluice(t, ep, "", "stream", "split", "sc", "shardId-000000000000")
	if !strings.Contains(out, "split shardId-000000000000 of stream sc at hash key 170141183460469231731687303715884105728") {
		t.Fatalf("split said %q", out)
	}
	put()
	out = mustSluice(t, ep, "", "stream", "scale", "sc", "--shards", "4")
	if !strings.Contains(out, "from 2 to 4 open shards") {
		t.Fatalf("scale said %q", out)
	}
	put()
	// Scaling 2 → 4 split shards 1 and 2 into 3, 4 and 5, 6 (hash order).
	out = mustSluice(t, ep, "", "stream", "merge", "sc", "shardId-000000000003", "shardId-000000000004")
	if !strings.Contains(out, "merged shardId-000000000003 and shardId-000000000004") {
		t.Fatalf("merge said %q", out)
	}
	put()

	out = mustSluice(t, ep, "", "stream", "describe", "sc")
	for _, want := range []string{"Open shards: 3", "Mode:       PROVISIONED", "shardId-000000000007  open", "shardId-000000000003+shardId-000000000004", "shardId-000000000000  closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range [][]string{
		{"stream", "merge", "sc", "shardId-000000000007", "shardId-000000000006"},
		{"stream", "split", "sc", "shardId-000000000000"},
		{"stream", "scale", "sc", "--shards", "7"},
	} {
		if _, err := sluice(t, ep, "", bad...); err == nil || !strings.Contains(err.Error(), "InvalidArgumentException") {
			t.Errorf("sluice %s: %v, want InvalidArgumentException", strings.Join(bad, " "), err)
		}
	}

	// Wait (generously, without asserting on time) for the follower to
	// print everything, then stop it.
	total := len(keys) * perPhase * phase
	lines := func() []string { return strings.Split(strings.TrimSpace(followed.String()), "\n") }
	for deadline := time.Now().Add(60 * time.Second); len(lines()) < total && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-followErr; err != nil {
		t.Fatalf("get --follow: %v", err)
	}
	next := map[string]int{}
	shards := map[string]bool{}
	for _, l := range lines() {
		var rec struct{ ShardId, PartitionKey, Data string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("follow line %q: %v", l, err)
		}
		n, _ := strconv.Atoi(rec.Data)
		if n != next[rec.PartitionKey] {
			t.Fatalf("key %s: record %d after %d (order across reshards must hold)", rec.PartitionKey, n, next[rec.PartitionKey]-1)
		}
		next[rec.PartitionKey]++
		shards[rec.ShardId] = true
	}
	for _, k := range keys {
		if next[k] != perPhase*phase {
			t.Errorf("key %s: %d records followed, want %d", k, next[k], perPhase*phase)
		}
	}
	if len(shards) < 4 {
		t.Errorf("records came from %d shards; the follower did not follow the children", len(shards))
	}
}

func TestStreamMode(t *testing.T) {
	ep := startServer(t)
	mustSluice(t, ep, "", "stream", "create", "auto", "--shards", "2")
	out := mustSluice(t, ep, "", "stream", "mode", "auto", "on-demand", "--min-shards", "2", "--max-shards", "8", "--cooldown", "1m")
	if out != "stream auto is ON_DEMAND\n" {
		t.Fatalf("mode said %q", out)
	}
	if out := mustSluice(t, ep, "", "stream", "describe", "auto"); !strings.Contains(out, "Mode:       ON_DEMAND") {
		t.Fatalf("describe after mode:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"stream", "mode", "auto", "on-demand", "--min-shards", "9", "--max-shards", "2"}, "InvalidStreamMode"},
		{[]string{"stream", "mode", "nope", "on-demand"}, "NotFound"},
		{[]string{"stream", "mode", "auto", "sometimes"}, "mode must be on-demand or provisioned"},
	} {
		if _, err := sluice(t, ep, "", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sluice %s: err %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	mustSluice(t, ep, "", "stream", "mode", "auto", "provisioned")
	if out := mustSluice(t, ep, "", "stream", "describe", "auto"); !strings.Contains(out, "Mode:       PROVISIONED") {
		t.Fatalf("describe after provisioned:\n%s", out)
	}
}
