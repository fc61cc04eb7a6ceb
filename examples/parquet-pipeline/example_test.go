package parquetpipeline_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/internal/parquettest"
	"github.com/sluice-io/sluice/internal/proctest"
)

const repoRoot = "../.."

// TestExample runs the README's steps with the real binary: `sluice serve`
// in a scratch directory (the pipeline's folder is relative to its
// output root, the data directory's buckets/),
// `sluice module push project`, `sluice apply -f pipeline.yaml` as it is
// in this folder, sensor readings and one bad line with `sluice put`;
// then reads the Parquet files under sensors/site=<site>/ with Apache
// Arrow and finds every reading once, projected and renamed, and the bad
// line in the error output.
func TestExample(t *testing.T) {
	wasm, err := filepath.Abs(filepath.Join(repoRoot, "transforms/project/project.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(wasm); err != nil {
		t.Fatalf("%v: run `bash scripts/build-wasm.sh` at the repository root", err)
	}
	pipeline, err := filepath.Abs("pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "sluice")
	build := exec.Command("go", "build", "-o", bin, "./cmd/sluice")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	ep := serve(t, bin, work)
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--endpoint", ep}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sluice %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("", "module", "push", "project", wasm)
	if got := run("", "apply", "-f", pipeline); !strings.Contains(got, "delivery stream sensors-parquet: created") {
		t.Fatalf("apply said %q", got)
	}
	if got := run("", "apply", "-f", pipeline); !strings.Contains(got, "nothing changed") {
		t.Fatalf("second apply said %q", got)
	}

	const n = 300
	const ts = 1767225600000
	var lines strings.Builder
	for i := range n {
		fmt.Fprintf(&lines, `{"id":"r%d","ts":%d,"temp":%d.5,"humidity":0.4,"sensor":{"site":"site-%d","serial":"x"}}`+"\n", i, ts+i, i%40, i%3)
	}
	lines.WriteString("this line is not JSON\n")
	run(lines.String(), "put", "sensors", "-k", "readings")

	// The pipeline buffers 10 s: wait for every reading and the bad line.
	out := filepath.Join(work, "sluice-data", "buckets", "sensors")
	seen := map[string]int{}
	var errLines []string
	for deadline := time.Now().Add(2 * time.Minute); ; {
		seen, errLines = read(t, out)
		rows := 0
		for _, c := range seen {
			rows += c
		}
		if rows >= n && len(errLines) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %d rows and %d error lines under %s", rows, len(errLines), out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i := range n {
		if c := seen[fmt.Sprintf("r%d", i)]; c != 1 {
			t.Errorf("reading r%d delivered %d times", i, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct ids delivered, want %d", len(seen), n)
	}
	if len(errLines) != 1 || !strings.Contains(errLines[0], `"errorCode":"Lambda.ProcessingFailed"`) ||
		!strings.Contains(errLines[0], "not a JSON object") {
		t.Errorf("error output: %q", errLines)
	}
}

// read returns how often each id appears in the Parquet files under out,
// checking each row's fields, and the lines of the error output.
func read(t *testing.T, out string) (map[string]int, []string) {
	t.Helper()
	seen := map[string]int{}
	var errLines []string
	_ = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, out+string(filepath.Separator)))
		if strings.HasPrefix(rel, "errors/processing-failed/") {
			errLines = append(errLines, strings.Split(strings.TrimSpace(string(b)), "\n")...)
			return nil
		}
		if !strings.HasSuffix(rel, ".parquet") {
			t.Fatalf("unexpected object %s", rel)
		}
		for _, row := range rows(t, b) {
			id, _ := row["id"].(string)
			var i int
			if _, err := fmt.Sscanf(id, "r%d", &i); err != nil {
				t.Fatalf("%s: row with id %q", rel, id)
			}
			want := map[string]any{
				"id": id, "ts": time.UnixMilli(1767225600000 + int64(i)).UTC().Format(time.RFC3339Nano),
				"site": fmt.Sprintf("site-%d", i%3), "temp": float64(i%40) + 0.5, "humidity": 0.4,
			}
			if g, w := fmt.Sprint(row), fmt.Sprint(want); g != w {
				t.Fatalf("%s: row %s, want %s", rel, g, w)
			}
			if !strings.HasPrefix(rel, "site="+want["site"].(string)+"/") {
				t.Fatalf("row %s of %s is in %s", id, want["site"], rel)
			}
			seen[id]++
		}
		return nil
	})
	return seen, errLines
}

// rows reads a Parquet file with Apache Arrow (an implementation
// independent of the writer): strings, doubles, timestamps as RFC 3339.
func rows(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	f := parquettest.Read(t, body)
	for i, codec := range f.Codecs {
		if codec != "ZSTD" {
			t.Fatalf("column chunk %d: codec %s, want ZSTD", i, codec)
		}
	}
	for _, row := range f.Rows {
		parquettest.TimesAsText(row)
	}
	return f.Rows
}

// serve starts `sluice serve` in dir and returns its endpoint.
func serve(t *testing.T, bin, dir string) string {
	t.Helper()
	_, ep := proctest.Serve(t, bin, dir, "--data-dir", "sluice-data")
	return ep
}
