package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/rest"
)

// waitFiles waits until dir holds a file whose name ends with suffix and
// returns the files' contents.
func waitFiles(t *testing.T, dir, suffix string, enough func(files map[string][]byte) bool) map[string][]byte {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		files := map[string][]byte{}
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) && !strings.HasPrefix(d.Name(), ".") {
				b, _ := os.ReadFile(p)
				files[p] = b
			}
			return nil
		})
		if enough(files) {
			return files
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 60 s for %s files under %s; have %d", suffix, dir, len(files))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestApplyExamplePipeline(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ep := startServer(t)
	mustSluice(t, ep, "", "module", "push", "project", wasmPath(t, "transforms/project/project.wasm"))

	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "parquet-pipeline", "pipeline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	text := strings.Replace(string(example), "path: sensors ", "path: "+out+" ", 1)
	text = strings.Replace(text, "intervalSeconds: 10", "intervalSeconds: 1", 1)
	file := writeFile(t, "pipeline.yaml", text)

	got := mustSluice(t, ep, "", "apply", "-f", file)
	if got != "stream sensors: created (4 shards, retention 48h)\ndelivery stream sensors-parquet: created\n" {
		t.Fatalf("first apply said %q", got)
	}
	got = mustSluice(t, ep, "", "apply", "-f", file)
	if got != "stream sensors: unchanged\ndelivery stream sensors-parquet: unchanged\nnothing changed\n" {
		t.Fatalf("second apply said %q", got)
	}
	changed := writeFile(t, "pipeline2.yaml", strings.Replace(strings.Replace(text, "retentionHours: 48", "retentionHours: 72", 1), "retries: 3", "retries: 4", 1))
	got = mustSluice(t, ep, "", "apply", "-f", changed)
	if got != "stream sensors: updated (retention 48h -> 72h)\ndelivery stream sensors-parquet: updated (version 2)\n" {
		t.Fatalf("changed apply said %q", got)
	}

	var lines strings.Builder
	for i := range 300 {
		fmt.Fprintf(&lines, `{"id":"r%d","ts":1767225600000,"temp":%d.5,"humidity":0.4,"sensor":{"site":"s%d","serial":"x"}}`+"\n", i, i%40, i%3)
	}
	mustSluice(t, ep, lines.String(), "put", "sensors", "-k", "readings")
	files := waitFiles(t, out, ".parquet", func(f map[string][]byte) bool { return len(f) > 0 })
	for p := range files {
		if !strings.Contains(filepath.ToSlash(p), "/site=s") {
			t.Errorf("object %s is not under a site= partition", p)
		}
	}

	list := mustSluice(t, ep, "", "delivery", "list")
	if !strings.Contains(list, "sensors-parquet") || !strings.Contains(list, "stream sensors") || !strings.Contains(list, "parquet+zstd") {
		t.Fatalf("delivery list said %q", list)
	}
	desc := mustSluice(t, ep, "", "delivery", "describe", "sensors-parquet")
	for _, want := range []string{"State:           ACTIVE", "Version:         2", "Processor:       project", "retries: 4", "type: timestamp_ms"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe lacks %q:\n%s", want, desc)
		}
	}
	var d rest.DeliveryStream
	if err := json.Unmarshal([]byte(mustSluice(t, ep, "", "-o", "json", "delivery", "describe", "sensors-parquet")), &d); err != nil || d.Definition.Version != 2 {
		t.Fatalf("json describe: %+v %v", d, err)
	}
	mustSluice(t, ep, "", "delivery", "delete", "sensors-parquet")
	if _, err := sluice(t, ep, "", "delivery", "describe", "sensors-parquet"); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("describe after delete: %v", err)
	}
}

func TestPutToDeliveryStream(t *testing.T) {
	ep := startServer(t)
	out := filepath.Join(t.TempDir(), "out")
	file := writeFile(t, "p.yaml", fmt.Sprintf(`deliveryStreams:
  - name: logs
    buffering: {intervalSeconds: 0}
    destination: {kind: folder, folder: {path: %q}}
`, out))
	mustSluice(t, ep, "", "apply", "-f", file)

	if got := mustSluice(t, ep, "", "put", "--delivery", "logs", "first"); len(strings.TrimSpace(got)) == 0 {
		t.Fatalf("put one said %q", got)
	}
	const n = 1200 // three batches
	var lines strings.Builder
	for i := range n {
		fmt.Fprintf(&lines, "line %d\n", i)
	}
	if got := mustSluice(t, ep, lines.String(), "put", "--delivery", "logs"); !strings.Contains(got, fmt.Sprintf("%d records sent to delivery stream logs", n)) {
		t.Fatalf("put said %q", got)
	}
	count := func(f map[string][]byte) int {
		c := 0
		for _, b := range f {
			c += strings.Count(string(b), "\n")
		}
		return c
	}
	files := waitFiles(t, out, "", func(f map[string][]byte) bool { return count(f) >= n+1 })
	seen := map[string]int{}
	for _, b := range files {
		for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			seen[l]++
		}
	}
	if seen["first"] != 1 || len(seen) != n+1 {
		t.Fatalf("delivered %d distinct lines, want %d", len(seen), n+1)
	}
	for l, c := range seen {
		if c != 1 {
			t.Fatalf("line %q delivered %d times", l, c)
		}
	}

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"put", "--delivery", "nope", "x"}, "ResourceNotFoundException"},
		{[]string{"put", "--delivery", "logs", "-k", "k", "x"}, "no partition or hash key"},
		{[]string{"put"}, "--delivery"},
		{[]string{"delivery", "describe", "nope"}, "NotFound"},
		{[]string{"delivery", "delete", "nope"}, "NotFound"},
		{[]string{"apply"}, "-f FILE is required"},
		{[]string{"apply", "-f", writeFile(t, "bad.yaml", "deliveryStreams:\n  - name: x\n    buffering: {sizeMiB: 500}\n    destination: {kind: folder, folder: {path: /tmp/x}}\n")}, "deliveryStreams[0] (x): InvalidDefinition"},
	}
	for _, c := range cases {
		if _, err := sluice(t, ep, "", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sluice %s: err %v, want it to mention %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// `delivery list` and `describe` tell a delivery stream that cannot write
// from one that is delivering: its state, since when and why.
func TestDeliveryListShowsFailing(t *testing.T) {
	ep := startServer(t)
	out := filepath.Join(t.TempDir(), "out")
	file := writeFile(t, "pipeline.yaml", fmt.Sprintf(`deliveryStreams:
  - name: fragile
    buffering: {intervalSeconds: 0}
    destination: {kind: folder, folder: {path: %s}, prefix: "data/"}
`, out))
	mustSluice(t, ep, "", "apply", "-f", file)
	mustSluice(t, ep, `{"n":1}`, "put", "--delivery", "fragile")
	waitFiles(t, out, ".jsonl", func(f map[string][]byte) bool { return len(f) > 0 })
	// A file where the prefix's directory is: every write fails.
	if err := os.RemoveAll(filepath.Join(out, "data")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mustSluice(t, ep, `{"n":2}`, "put", "--delivery", "fragile")
	deadline := time.Now().Add(60 * time.Second)
	var list string
	for !strings.Contains(list, "RETRYING") {
		if time.Now().After(deadline) {
			t.Fatalf("delivery list never showed RETRYING:\n%s", list)
		}
		time.Sleep(100 * time.Millisecond)
		list = mustSluice(t, ep, "", "delivery", "list")
	}
	if !strings.Contains(list, "fragile is RETRYING since ") || !strings.Contains(list, "not a directory") {
		t.Fatalf("delivery list does not say why:\n%s", list)
	}
	desc := mustSluice(t, ep, "", "delivery", "describe", "fragile")
	for _, want := range []string{"State:           RETRYING", "Failing since:", "Last error:"} {
		if !strings.Contains(desc, want) {
			t.Fatalf("describe lacks %q:\n%s", want, desc)
		}
	}
}
