package console

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestSamplerBounded: the ring keeps Points samples, MaxSeries series, and
// only the families asked for; rates come from successive samples.
func TestSamplerBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_records_total", Help: "h"}, []string{"stream"})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_other", Help: "h"})
	reg.MustRegister(c, g)
	s, err := NewSampler(reg, SamplerConfig{Families: []string{"test_records_total"}, Points: 4, MaxSeries: 2})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1000, 0)
	for i := range 6 {
		c.WithLabelValues("a").Add(10)
		if i == 2 {
			c.WithLabelValues("b").Add(5)
			c.WithLabelValues("c").Add(1) // over MaxSeries
		}
		s.Sample(t0.Add(time.Duration(i) * time.Second))
	}
	p, ok := s.Query("test_records_total", map[string]string{"stream": "a"})
	if !ok || len(p.Values) != 4 {
		t.Fatalf("series a: ok %v, %d points, want 4", ok, len(p.Values))
	}
	if p.Values[0] != 30 || p.Values[3] != 60 || !p.Times[3].Equal(t0.Add(5*time.Second)) {
		t.Errorf("series a: %v at %v", p.Values, p.Times)
	}
	r := p.Rate()
	if !math.IsNaN(r.Values[0]) || r.Values[3] != 10 {
		t.Errorf("rate of a: %v, want NaN then 10/s", r.Values)
	}
	if _, ok := s.Query("test_other", nil); ok {
		t.Error("a family not asked for was recorded")
	}
	if s.Dropped() == 0 {
		t.Error("a third series was kept beyond MaxSeries 2")
	}
	all, _ := s.Query("test_records_total", nil)
	if v, _ := all.Last(); v != 65 {
		t.Errorf("sum of a and b: %v, want 65", v)
	}
}
