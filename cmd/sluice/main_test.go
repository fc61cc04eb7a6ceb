package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host"
)

// startServer runs a real Sluice server (embedded JetStream on a temp dir,
// HTTP on a loopback port) for the CLI to talk to.
func startServer(t *testing.T) string {
	t.Helper()
	srv, err := host.Open(context.Background(), host.Config{
		DataDir:  t.TempDir(),
		HTTPAddr: "127.0.0.1:0",
		// The tests' folders are made by t.TempDir.
		OutputRoot: os.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return "http://" + srv.HTTPAddr()
}

// sluice runs the CLI in-process and returns its standard output.
func sluice(t *testing.T, endpoint, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"--endpoint", endpoint}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func mustSluice(t *testing.T, endpoint, stdin string, args ...string) string {
	t.Helper()
	out, err := sluice(t, endpoint, stdin, args...)
	if err != nil {
		t.Fatalf("sluice %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestStreamLifecycle(t *testing.T) {
	ep := startServer(t)
	out := mustSluice(t, ep, "", "stream", "create", "orders", "--shards", "3", "--retention", "48h")
	if !strings.Contains(out, "created stream orders: 3 shards") {
		t.Fatalf("create said %q", out)
	}
	if _, err := sluice(t, ep, "", "stream", "create", "orders"); err == nil || !strings.Contains(err.Error(), "ResourceInUseException") {
		t.Fatalf("second create: err %v, want ResourceInUseException", err)
	}
	out = mustSluice(t, ep, "", "stream", "list")
	if !strings.Contains(out, "orders") || !strings.Contains(out, "ACTIVE") {
		t.Fatalf("list said %q", out)
	}
	out = mustSluice(t, ep, "", "stream", "describe", "orders")
	for _, want := range []string{"Retention:  48h", "shardId-000000000000", "shardId-000000000002", "340282366920938463463374607431768211455"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	var desc struct {
		Shards []struct{ ShardId string }
	}
	if err := json.Unmarshal([]byte(mustSluice(t, ep, "", "-o", "json", "stream", "describe", "orders")), &desc); err != nil {
		t.Fatal(err)
	}
	if len(desc.Shards) != 3 {
		t.Fatalf("json describe: %d shards, want 3", len(desc.Shards))
	}
	mustSluice(t, ep, "", "stream", "delete", "orders")
	if _, err := sluice(t, ep, "", "stream", "describe", "orders"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("describe after delete: err %v, want ResourceNotFoundException", err)
	}
}

func TestPutAndGet(t *testing.T) {
	ep := startServer(t)
	mustSluice(t, ep, "", "stream", "create", "events", "--shards", "2")

	out := mustSluice(t, ep, "", "put", "events", "-k", "one", "hello")
	if !strings.HasPrefix(out, "shardId-") {
		t.Fatalf("put said %q", out)
	}
	var lines strings.Builder
	const n = 1200 // more than two PutRecords batches
	for i := range n {
		fmt.Fprintf(&lines, "line %d\n", i)
	}
	out = mustSluice(t, ep, lines.String(), "put", "events", "-k", "many")
	if !strings.Contains(out, fmt.Sprintf("%d records sent", n)) {
		t.Fatalf("put from stdin said %q", out)
	}

	out = mustSluice(t, ep, "", "-o", "json", "get", "events")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct{ PartitionKey, Data string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("get line %q: %v", l, err)
		}
		if rec.PartitionKey == "many" {
			got = append(got, rec.Data)
		}
	}
	if len(got) != n {
		t.Fatalf("read %d records of key many, want %d", len(got), n)
	}
	for i, d := range got {
		if want := fmt.Sprintf("line %d", i); d != want {
			t.Fatalf("record %d is %q, want %q (order within a key must hold)", i, d, want)
		}
	}

	out = mustSluice(t, ep, "", "get", "events", "--from", "latest")
	if out != "" {
		t.Fatalf("get --from latest printed %q, want nothing", out)
	}
}

func TestBadUsage(t *testing.T) {
	ep := startServer(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"put", "nope", "data"}, "--partition-key is required"},
		{[]string{"put", "nope", "-k", "k", "data"}, "ResourceNotFoundException"},
		{[]string{"get", "nope"}, "ResourceNotFoundException"},
		{[]string{"get", "nope", "--from", "yesterday"}, "--from"},
		{[]string{"stream", "create", "x", "--retention", "2h"}, "--retention"},
		{[]string{"stream", "create", "bad name!"}, "ValidationException"},
		{[]string{"-o", "yaml", "stream", "list"}, "--output"},
	}
	for _, c := range cases {
		_, err := sluice(t, ep, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sluice %s: err %v, want it to mention %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if _, err := sluice(t, "http://127.0.0.1:1", "", "stream", "list"); err == nil || !strings.Contains(err.Error(), "sluice serve") {
		t.Errorf("no server: err %v, want a hint to run sluice serve", err)
	}
}
