package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := io.Reader(os.Stdin)
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	res, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	report(os.Stdout, res)
}

// results maps a benchmark's name (without the -GOMAXPROCS suffix) to
// each unit's values, one per run.
type results map[string]map[string][]float64

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output: "BenchmarkName-2  N  v unit  v unit…".
func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		if res[name] == nil {
			res[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// get is the median of a benchmark's unit, and whether it ran.
func (r results) get(name, unit string) (float64, bool) {
	v := r[name][unit]
	if len(v) == 0 {
		return 0, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// goal is a bound a figure must meet: at least or at most.
type goal struct {
	atLeast bool
	bound   float64
}

func (g goal) String() string {
	if g.bound == 0 {
		return ""
	}
	if g.atLeast {
		return "≥ " + trim(g.bound)
	}
	return "≤ " + trim(g.bound)
}

func (g goal) verdict(v float64) string {
	switch {
	case g.bound == 0:
		return ""
	case g.atLeast && v >= g.bound, !g.atLeast && v <= g.bound:
		return "met"
	default:
		return "NOT MET"
	}
}

func trim(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// row is one line of a table: a figure (a ratio, or a plain value when
// anchor is empty) and its goal.
type row struct {
	label        string
	name, anchor string
	unit         string
	goal         goal
	valueUnit    string
}

func (r results) print(w io.Writer, title, header string, rows []row) {
	fmt.Fprintf(w, "\n### %s\n\n| %s | figure | anchor | ratio | goal | |\n| --- | ---: | ---: | ---: | --- | --- |\n", title, header)
	for _, x := range rows {
		v, ok := r.get(x.name, x.unit)
		if !ok {
			fmt.Fprintf(w, "| %s | not run | | | %s | |\n", x.label, x.goal)
			continue
		}
		if x.anchor == "" {
			fmt.Fprintf(w, "| %s | %s %s | | | %s | %s |\n", x.label, num(v), x.valueUnit, x.goal, x.goal.verdict(v))
			continue
		}
		a, ok := r.get(x.anchor, x.unit)
		if !ok || a == 0 || v == 0 {
			fmt.Fprintf(w, "| %s | %s %s | not run | | %s | |\n", x.label, num(v), x.valueUnit, x.goal)
			continue
		}
		ratio := v / a
		fmt.Fprintf(w, "| %s | %s %s | %s | %.2f× | %s | %s |\n", x.label, num(v), x.valueUnit, num(a), ratio, x.goal, x.goal.verdict(ratio))
	}
}

// num prints a figure with a precision that suits its size.
func num(v float64) string {
	switch {
	case v >= 1000:
		s := strconv.FormatFloat(v, 'f', 0, 64)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func report(w io.Writer, r results) {
	fmt.Fprintln(w, "## make bench: every ratio against its anchor, measured in this run")

	var ingest []row
	for _, s := range []string{"100B", "1024B"} {
		ingest = append(ingest,
			row{label: "PutRecords " + s + " / raw JetStream publish", name: "PutRecords/" + s, anchor: "RawPublish/" + s,
				unit: "records/s", valueUnit: "rec/s", goal: goal{true, 0.8}},
			row{label: "PutRecords " + s + " / kinesalite", name: "PutRecords/" + s, anchor: "PutRecordsKinesalite/" + s,
				unit: "records/s", valueUnit: "rec/s", goal: goal{true, 8}},
			row{label: "PutRecords " + s + ", latency p99 under that load", name: "PutRecords/" + s, unit: "p99-ms", valueUnit: "ms"},
		)
	}
	r.print(w, "Ingest (host/kinesis: AWS SDK for Go v2, 16 producers × 500 records, 4 shards)", "path", ingest)

	var deliv []row
	for _, c := range []struct {
		path, size string
		goal       float64
	}{
		{"direct/none", "200B", 0.6}, {"direct/none", "1024B", 0.6},
		{"stream/none", "200B", 0.6}, {"stream/none", "1024B", 0.6},
		{"direct/c", "200B", 0.5}, {"direct/rust", "200B", 0.5},
		{"direct/go", "200B", 0.25}, {"direct/assemblyscript", "200B", 0},
		{"direct/wasi-go", "200B", 0.1},
	} {
		name := "Delivery/" + c.path + "/" + c.size
		deliv = append(deliv,
			row{label: c.path + " " + c.size + ", seconds delivery trailed the last put", name: name, unit: "s-after-puts", valueUnit: "s"},
			row{label: c.path + " " + c.size + " / raw JetStream publish", name: name, anchor: "Delivery/raw-jetstream/" + c.size,
				unit: "records/s", valueUnit: "rec/s", goal: goal{true, c.goal}},
			row{label: c.path + " " + c.size + ", server peak RSS", name: name, unit: "peak-RSS-MB", valueUnit: "MB",
				goal: goal{false, 200}})
	}
	r.print(w, "Delivery at steady state (internal/e2e: put until durably in Parquet, real binary; direct = PutRecordBatch, stream = a 4-shard data stream as source; the transform upper-cases each record)", "path", deliv)

	var tr []row
	for _, s := range []string{"100B", "1024B"} {
		for _, m := range []struct {
			lang string
			goal float64
		}{{"c", 1.3}, {"rust", 1.3}, {"go", 2}, {"assemblyscript", 3}, {"wasi-go", 0}} {
			tr = append(tr, row{label: m.lang + " " + s + " / native Go", name: "Upper/" + s + "/" + m.lang,
				anchor: "Upper/" + s + "/native-go", unit: "ns/record", valueUnit: "ns/rec", goal: goal{false, m.goal}})
		}
	}
	r.print(w, "Transforms (transforms: upper-case each record of a batch of 500; ratio = time per record / native Go's)", "module", tr)

	r.print(w, "Latency", "path", []row{
		{label: "put → object visible, zero buffering, no transform, p50", name: "PutToVisible/interval=0s/transform=none", unit: "ms-p50", valueUnit: "ms"},
		{label: "put → object visible, zero buffering, no transform, p99", name: "PutToVisible/interval=0s/transform=none", unit: "ms-p99", valueUnit: "ms", goal: goal{false, 10}},
		{label: "put → object visible, zero buffering, Go project transform, p50", name: "PutToVisible/interval=0s/transform=project-go", unit: "ms-p50", valueUnit: "ms"},
		{label: "put → object visible, zero buffering, Go project transform, p99", name: "PutToVisible/interval=0s/transform=project-go", unit: "ms-p99", valueUnit: "ms", goal: goal{false, 10}},
		{label: "put → object visible, 1 s buffering, Go project transform, p50", name: "PutToVisible/interval=1s/transform=project-go", unit: "ms-p50", valueUnit: "ms"},
		{label: "put → SubscribeToShard event, p50", name: "SubscribePushLatency", unit: "p50-ms", valueUnit: "ms"},
		{label: "put → SubscribeToShard event, p99", name: "SubscribePushLatency", unit: "p99-ms", valueUnit: "ms"},
	})
}
