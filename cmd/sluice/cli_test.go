package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// testVersion is the version the tests' binary is built with.
const testVersion = "v9.8.7-test"

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// versionedBinary builds the binary once for the tests that run it, as a
// release build does: with the version set by -ldflags -X main.version.
func versionedBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "sluice-cli-test-"); binErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-ldflags=-X main.version="+testVersion, "-o", filepath.Join(binDir, "sluice"), "./cmd/sluice")
		cmd.Dir = filepath.Join("..", "..")
		if b, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/sluice: %v\n%s", err, b)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "sluice")
}

// runBinary runs bin with args and returns its stdout, stderr and exit code.
func runBinary(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &ee):
		return out.String(), errOut.String(), ee.ExitCode()
	}
	t.Fatalf("%s %v: %v", bin, args, err)
	return "", "", 0
}

// TestExitCodesAndVersion runs the real binary: 2 for a command line that
// cannot run (nothing is done), 1 for a command that ran and failed, 0
// otherwise; and the version a release build sets with -ldflags.
func TestExitCodesAndVersion(t *testing.T) {
	bin := versionedBinary(t)
	ep := startServer(t)
	cases := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"stream", "creat", "x"}, 2, `unknown command "creat" for "sluice stream"; did you mean create?`},
		{[]string{"strem", "list"}, 2, "did you mean stream?"},
		{[]string{"stream", "list", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"stream", "create"}, 2, "accepts 1 arg(s), received 0"},
		{[]string{"stream", "create", "x", "--shards", "many"}, 2, `invalid argument "many"`},
		{[]string{"stream", "scale", "x"}, 2, `required flag(s) "shards" not set`},
		{[]string{"put", "x", "data"}, 2, "--partition-key is required"},
		{[]string{"completion", "bsh"}, 2, `unknown command "bsh"`},
		{[]string{"-o", "yaml", "stream", "list"}, 2, "--output must be text or json"},
		{[]string{"--endpoint", ep, "stream", "describe", "nope"}, 1, "ResourceNotFoundException"},
		{[]string{"--endpoint", "http://127.0.0.1:1", "stream", "list"}, 1,
			"sluice: cannot reach the server at http://127.0.0.1:1 (connection refused): is 'sluice serve' running?\n"},
		{[]string{"--endpoint", "http://127.0.0.1:1", "module", "list"}, 1,
			"sluice: cannot reach the server at http://127.0.0.1:1 (connection refused): is 'sluice serve' running?\n"},
		{[]string{"--endpoint", ep, "stream", "list"}, 0, ""},
		{[]string{"stream"}, 0, ""}, // a group alone shows its help
	}
	for _, c := range cases {
		_, stderr, code := runBinary(t, bin, c.args...)
		if code != c.code || !strings.Contains(stderr, c.inStderr) {
			t.Errorf("sluice %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, stderr, c.code, c.inStderr)
		}
		if c.code == 2 && !strings.Contains(stderr, "--help' for usage.") {
			t.Errorf("sluice %s: stderr %q gives no hint to the help", strings.Join(c.args, " "), stderr)
		}
	}

	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, _, code := runBinary(t, bin, args...)
		if code != 0 || !strings.HasPrefix(out, "sluice "+testVersion+"\n") || !strings.Contains(out, "go:      "+runtime.Version()) ||
			!strings.Contains(out, "module:  github.com/sluice-io/sluice") {
			t.Errorf("sluice %s: exit %d, said %q", args[0], code, out)
		}
	}
	out, _, _ := runBinary(t, bin, "-o", "json", "version")
	var v buildInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != testVersion || v.GoVersion != runtime.Version() || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version -o json: %+v %v (%s)", v, err, out)
	}

	for shell, want := range map[string]string{"bash": "__start_sluice", "zsh": "#compdef sluice", "fish": "complete -c sluice"} {
		out, _, code := runBinary(t, bin, "completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, no %q in %d bytes", shell, code, want, len(out))
		}
	}
}

// pascalCase checks that every member name of a JSON value starts with a
// capital letter (AWS's style), except inside the documents that keep
// their own names.
func pascalCase(t *testing.T, what string, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "" || !unicode.IsUpper([]rune(k)[0]) {
				t.Errorf("%s: member %s%s is not PascalCase", what, path, k)
			}
			if k == "Definition" || k == "FirstRows" {
				continue // a pipeline file's definition, Parquet rows
			}
			pascalCase(t, what, e, path+k+".")
		}
	case []any:
		for _, e := range x {
			pascalCase(t, what, e, path+"[].")
		}
	}
}

// jsonOf runs a command with -o json and checks its answer (each line, for
// get) is PascalCase and holds the members want names (dotted paths).
func jsonOf(t *testing.T, ep, stdin string, want []string, args ...string) map[string]any {
	t.Helper()
	out := mustSluice(t, ep, stdin, append([]string{"-o", "json"}, args...)...)
	what := strings.Join(args, " ")
	var first map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var v map[string]any
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%s: %v in %q", what, err, out)
		}
		pascalCase(t, what, v, "")
		if first == nil {
			first = v
		}
	}
	for _, w := range want {
		if lookup(first, w) == nil {
			t.Errorf("%s: no member %s in %s", what, w, out)
		}
	}
	return first
}

// lookup follows a dotted path ("Shards.0.ShardId": 0 is an index).
func lookup(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			if p != "0" || len(x) == 0 {
				return nil
			}
			v = x[0]
		default:
			return nil
		}
	}
	return v
}

// TestJSONShapes checks the member names of every command's --output json
// against a real server: AWS's where AWS has the shape, PascalCase
// everywhere.
func TestJSONShapes(t *testing.T) {
	ep := startServer(t)
	jsonOf(t, ep, "", []string{"StreamName", "ShardCount", "RetentionPeriodHours"}, "stream", "create", "shapes", "--shards", "2")
	jsonOf(t, ep, "", []string{"StreamNames", "StreamSummaries.0.StreamName", "StreamSummaries.0.StreamStatus", "StreamSummaries.0.StreamARN"}, "stream", "list")
	d := jsonOf(t, ep, "", []string{"StreamDescriptionSummary.StreamName", "StreamDescriptionSummary.RetentionPeriodHours",
		"StreamDescriptionSummary.OpenShardCount", "Shards.0.ShardId", "Shards.0.HashKeyRange.StartingHashKey",
		"Shards.0.SequenceNumberRange.StartingSequenceNumber"}, "stream", "describe", "shapes")
	if _, ok := d["StreamDescriptionSummary"].(map[string]any)["KeyId"]; ok {
		t.Errorf("describe shows the absent KeyId (as null): AWS leaves absent members out")
	}
	jsonOf(t, ep, "", []string{"ShardId", "SequenceNumber"}, "put", "shapes", "-k", "a", "one")
	jsonOf(t, ep, "two\nthree\n", []string{"RecordsSent"}, "put", "shapes", "-k", "a")
	jsonOf(t, ep, "", []string{"ShardId", "SequenceNumber", "PartitionKey", "ApproximateArrivalTimestamp", "Data"}, "get", "shapes")
	s := jsonOf(t, ep, "", []string{"StreamName", "CurrentShardCount", "TargetShardCount"}, "stream", "scale", "shapes", "--shards", "4")
	if _, ok := s["ResultMetadata"]; ok {
		t.Errorf("scale shows the SDK's ResultMetadata")
	}
	jsonOf(t, ep, "", []string{"StreamName", "StreamMode"}, "stream", "mode", "shapes", "on-demand")

	pipeline := writeFile(t, "direct.yaml", `deliveryStreams:
  - name: shapes-direct
    source: {kind: DirectPut}
    destination: {kind: folder, folder: {path: `+t.TempDir()+`}}
`)
	jsonOf(t, ep, "", []string{"Applied.0.Kind", "Applied.0.Name", "Applied.0.Action"}, "apply", "-f", pipeline)
	jsonOf(t, ep, "", []string{"RecordId"}, "put", "--delivery", "shapes-direct", "x")
	jsonOf(t, ep, "y\n", []string{"RecordsSent"}, "put", "--delivery", "shapes-direct")
	dd := jsonOf(t, ep, "", []string{"Definition.name", "Status.State", "Status.IncomingRecords", "Status.OldestUndeliveredAgeMillis"}, "delivery", "describe", "shapes-direct")
	if _, ok := dd["Status"].(map[string]any)["OldestUndeliveredAge"]; ok {
		t.Errorf("delivery describe shows a duration in nanoseconds")
	}
	jsonOf(t, ep, "", []string{"DeliveryStreams.0.Definition.name", "DeliveryStreams.0.Status.State"}, "delivery", "list")

	wasm := wasmPath(t, "runtime/testdata/c_identity.wasm")
	jsonOf(t, ep, "", []string{"Name", "Version", "SHA256", "Size", "ABI", "Uploaded"}, "module", "push", "ident", wasm)
	jsonOf(t, ep, "", []string{"Modules.0.Name", "Modules.0.Versions", "Modules.0.Latest.Version"}, "module", "list")
	jsonOf(t, ep, "", []string{"Name", "Versions.0.SHA256"}, "module", "describe", "ident")
	jsonOf(t, ep, "", []string{"Removed.0.Name", "Removed.0.Version"}, "module", "rm", "ident@1")

	jsonOf(t, ep, "", []string{"Host.Id", "Host.NATS", "Streams.0.Name", "Streams.0.Messages"}, "cluster", "status")
	jsonOf(t, ep, "", []string{"Version", "GoVersion", "Platform"}, "version")
	jsonOf(t, ep, "", []string{"DeliveryStreamName", "Status"}, "delivery", "delete", "shapes-direct")
	jsonOf(t, ep, "", []string{"StreamName", "Status"}, "stream", "delete", "shapes")
}

// TestPutFlushesOnATimer feeds put through a pipe that stays open: each
// line must reach the stream while put still waits for more (a slow feed
// streams), and the end brings one count.
func TestPutFlushesOnATimer(t *testing.T) {
	ep := startServer(t)
	mustSluice(t, ep, "", "stream", "create", "slow")
	pr, pw := io.Pipe()
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"--endpoint", ep, "put", "slow", "-k", "k"}, pr, &out, &errOut)
	}()
	for i, line := range []string{"first", "second"} {
		if _, err := io.WriteString(pw, line+"\n"); err != nil {
			t.Fatal(err)
		}
		// Bounded wait: without a timed flush nothing is sent before EOF.
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := strings.Count(mustSluice(t, ep, "", "get", "slow"), "\n")
			if got == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after line %d the stream holds %d records, want %d: put sends only at EOF", i+1, got, i+1)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != "2 records sent to slow\n" || errOut.String() != "" {
		t.Fatalf("put said %q, stderr %q; want one count", out.String(), errOut.String())
	}
}

// TestGetFromSequenceFindsTheShard: --from SEQ without --shard reads the
// shard that holds SEQ, from SEQ.
func TestGetFromSequenceFindsTheShard(t *testing.T) {
	ep := startServer(t)
	// A stream in one JetStream stream, and one over three (shard groups,
	// whose sequence numbers are 35 digits naming their group).
	for _, groups := range []string{"1", "3"} {
		t.Run("groups="+groups, func(t *testing.T) { getFromSequence(t, ep, "seqs"+groups, groups) })
	}
}

func getFromSequence(t *testing.T, ep, stream, groups string) {
	mustSluice(t, ep, "", "stream", "create", stream, "--shards", "3", "--shard-groups", groups)
	type put struct{ ShardId, SequenceNumber string }
	var puts []put
	for i, key := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		var p put
		if err := json.Unmarshal([]byte(mustSluice(t, ep, "", "-o", "json", "put", stream, "-k", key, "r"+string(rune('0'+i)))), &p); err != nil {
			t.Fatal(err)
		}
		puts = append(puts, p)
	}
	shardsSeen := map[string]bool{}
	for i, p := range puts {
		shardsSeen[p.ShardId] = true
		out := mustSluice(t, ep, "", "-o", "json", "get", stream, "--from", p.SequenceNumber)
		var want []string
		for j := i; j < len(puts); j++ {
			if puts[j].ShardId == p.ShardId {
				want = append(want, puts[j].SequenceNumber)
			}
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct{ ShardId, SequenceNumber string }
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("get --from %s: %v in %q", p.SequenceNumber, err, out)
			}
			if r.ShardId != p.ShardId {
				t.Errorf("get --from %s read shard %s, want %s", p.SequenceNumber, r.ShardId, p.ShardId)
			}
			got = append(got, r.SequenceNumber)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("get --from %s read %v, want %v", p.SequenceNumber, got, want)
		}
	}
	if len(shardsSeen) < 2 {
		t.Fatalf("the records went to %d shard(s): the test needs several", len(shardsSeen))
	}
	if _, err := sluice(t, ep, "", "get", stream, "--from", "99999999"); err == nil || !strings.Contains(err.Error(), "no shard of stream "+stream+" holds sequence number 99999999") {
		t.Errorf("get --from beyond the end: %v", err)
	}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		48 * time.Hour: "48h", 90 * time.Minute: "1h30m", 2 * time.Minute: "2m", 125 * time.Second: "2m5s",
		1500 * time.Millisecond: "1.5s", 250 * time.Millisecond: "250ms", 0: "0s", time.Hour + 5*time.Second: "1h0m5s",
		61*time.Second + 400*time.Millisecond: "1m1s",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestVersionText(t *testing.T) {
	b := buildInfo{Version: "v1.2.0", Module: "github.com/sluice-io/sluice", Revision: "abc123", Time: "2026-12-01T10:00:00Z",
		Modified: true, GoVersion: "go1.26.8", Platform: "linux/arm64"}
	want := "sluice v1.2.0\n  commit:  abc123 (modified)\n  time:    2026-12-01T10:00:00Z\n  module:  github.com/sluice-io/sluice\n  go:      go1.26.8 linux/arm64\n"
	if got := b.text(); got != want {
		t.Errorf("text() = %q, want %q", got, want)
	}
}
