package runtime

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// series gathers the runtime's metrics as name → the metrics of that
// name whose module label is module.
func series(t *testing.T, reg *prometheus.Registry, module string) map[string][]*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "module" && l.GetValue() == module {
					out[mf.GetName()] = append(out[mf.GetName()], m)
				}
			}
		}
	}
	return out
}

// TestMetrics: calls count by result and are timed, instances and their
// memory are gauges of the module version while it is loaded, and the
// version's series go when its last Module closes (not before).
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	r, _ := newTestRuntime(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(r.Collector())
	a := load(t, r, "c_upper", ModuleConfig{Limits: Limits{Instances: 2}})
	b := load(t, r, "c_upper", ModuleConfig{Limits: Limits{Instances: 1}}) // the same version, loaded twice
	trap := load(t, r, "trap", ModuleConfig{})
	for range 3 {
		if _, err := a.Transform(ctx, batchOf("x", "y")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := trap.Transform(ctx, batchOf("x")); err == nil {
		t.Fatal("trap.wasm did not trap")
	}
	s := series(t, reg, "c_upper")
	if c := s["sluice_runtime_invocations_total"]; len(c) != 1 || c[0].GetCounter().GetValue() != 3 {
		t.Fatalf("invocations: %v", c)
	}
	if h := s["sluice_runtime_invocation_duration_seconds"]; len(h) != 1 || h[0].GetHistogram().GetSampleCount() != 3 {
		t.Fatalf("duration: %v", h)
	}
	for name, want := range map[string]float64{"sluice_runtime_instances": 1, "sluice_runtime_instance_limit": 3} {
		if g := s[name]; len(g) != 1 || g[0].GetGauge().GetValue() != want {
			t.Errorf("%s: %v, want %v", name, g, want)
		}
	}
	if g := s["sluice_runtime_memory_bytes"]; len(g) != 1 || g[0].GetGauge().GetValue() < wasmPage {
		t.Errorf("memory: %v", g)
	}
	tr := series(t, reg, "trap")["sluice_runtime_invocations_total"]
	if len(tr) != 1 || tr[0].GetCounter().GetValue() != 1 {
		t.Fatalf("trap invocations: %v", tr)
	}
	for _, l := range tr[0].GetLabel() {
		if l.GetName() == "result" && l.GetValue() != "trap" {
			t.Errorf("a trap counted as %q", l.GetValue())
		}
	}

	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := series(t, reg, "c_upper"); len(s["sluice_runtime_invocations_total"]) != 1 || len(s["sluice_runtime_memory_bytes"]) != 1 {
		t.Fatalf("series dropped while the version is still loaded: %v", s)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := series(t, reg, "c_upper"); len(s) != 0 {
		t.Fatalf("series of a version no longer loaded: %v", s)
	}
}
