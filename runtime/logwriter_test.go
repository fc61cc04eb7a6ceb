package runtime

import (
	"context"
	"strings"
	"testing"
)

// moduleLines returns what a module logged in the sink, without the
// runtime's own lines (those have no "module" attribute or are the
// budget's warning).
func moduleLines(sink *logSink, module string) (lines []map[string]any, warnings []map[string]any) {
	for _, e := range sink.entries("") {
		if e["module"] != module {
			continue
		}
		if strings.HasPrefix(e["msg"].(string), "module log over its per-call budget") {
			warnings = append(warnings, e)
			continue
		}
		lines = append(lines, e)
	}
	return lines, warnings
}

// TestLogFloodBounded: modules that log without bound, through the log
// host function, stdout and stderr (an SDK module) or stderr (a WASI
// command), get at most MaxLogLinesPerCall lines and MaxLogBytesPerCall
// bytes into the host's log per call, lines cut at MaxLogLineBytes, and one
// warning per call counting the rest; every call still succeeds, and each
// call has a fresh budget.
func TestLogFloodBounded(t *testing.T) {
	for _, tc := range []struct {
		module string
		// lines is how many non-empty lines the module writes per call
		// (see testdata/c_logflood.c and testdata/c_wasi_logflood.c).
		lines int
	}{
		{"c_logflood", 60001},
		{"c_wasi_logflood", 20000},
	} {
		t.Run(tc.module, func(t *testing.T) {
			r, sink := newTestRuntime(t)
			m := load(t, r, tc.module, ModuleConfig{Grants: Grants{Log: true}})
			const calls = 2
			for range calls {
				resp, err := m.Transform(context.Background(), batchOf("a", "b"))
				if err != nil {
					t.Fatalf("a flood of logs failed the call: %v", err)
				}
				if len(resp.Records) != 2 {
					t.Fatalf("answer %+v", resp.Records)
				}
			}
			lines, warnings := moduleLines(sink, tc.module)
			if len(warnings) != calls {
				t.Errorf("%d budget warnings for %d calls, want one per call", len(warnings), calls)
			}
			logged, bytes := 0, 0
			for _, e := range lines {
				n := len(e["msg"].(string))
				if n > MaxLogLineBytes {
					t.Errorf("a line of %d bytes was logged; the cap is %d", n, MaxLogLineBytes)
				}
				bytes += n
				logged++
			}
			if logged == 0 || logged > calls*MaxLogLinesPerCall || bytes > calls*MaxLogBytesPerCall {
				t.Errorf("%d lines, %d bytes logged in %d calls; per call the cap is %d lines, %d bytes",
					logged, bytes, calls, MaxLogLinesPerCall, MaxLogBytesPerCall)
			}
			dropped := 0
			for _, w := range warnings {
				dropped += int(w["dropped_lines"].(float64))
				if w["level"] != "WARN" || w["max_lines"] != float64(MaxLogLinesPerCall) || w["max_bytes"] != float64(MaxLogBytesPerCall) {
					t.Errorf("warning %v", w)
				}
			}
			if logged+dropped != calls*tc.lines {
				t.Errorf("%d logged + %d dropped lines, want the %d written", logged, dropped, calls*tc.lines)
			}
		})
	}
}

// TestLogBudgetWithinLimits: a module that logs little is not cut and
// gets no warning.
func TestLogBudgetWithinLimits(t *testing.T) {
	r, sink := newTestRuntime(t)
	m := load(t, r, "c_enrich", ModuleConfig{Grants: Grants{Log: true}})
	if _, err := m.Transform(context.Background(), batchOf("nobucket/k", "nobucket/j")); err != nil {
		t.Fatal(err)
	}
	lines, warnings := moduleLines(sink, "c_enrich")
	if len(lines) != 2 || len(warnings) != 0 {
		t.Fatalf("%d lines, %d warnings; want 2 and none", len(lines), len(warnings))
	}
}
