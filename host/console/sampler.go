package console

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Bounds of the Sampler: the defaults of SamplerConfig.
const (
	// DefaultSampleEvery is how often the sampler reads the registry.
	DefaultSampleEvery = 10 * time.Second
	// DefaultSamplePoints is how many samples each series keeps: an hour
	// at DefaultSampleEvery.
	DefaultSamplePoints = 360
	// DefaultMaxSeries caps the series kept (over every family); a series
	// beyond it is not recorded (and counted in Dropped). At the defaults
	// the sampler holds at most 1,000 × 360 × 8 bytes, under 3 MiB.
	DefaultMaxSeries = 1000
)

// DefaultFamilies are the metric families the console charts. Families
// that the registry does not have (yet) are simply absent from the charts:
// add a family here to record it.
var DefaultFamilies = []string{
	// Data streams: per stream, and per shard with enhanced monitoring.
	"sluice_kinesis_stream_incoming_records_total",
	"sluice_kinesis_stream_incoming_bytes_total",
	"sluice_kinesis_stream_outgoing_records_total",
	"sluice_kinesis_stream_iterator_age_milliseconds",
	"sluice_kinesis_shard_incoming_records_total",
	"sluice_kinesis_shard_incoming_bytes_total",
	"sluice_kinesis_shard_outgoing_records_total",
	"sluice_kinesis_shard_iterator_age_milliseconds",
	// Delivery streams.
	"sluice_delivery_incoming_records_total",
	"sluice_delivery_delivered_records_total",
	"sluice_delivery_delivered_bytes_total",
	"sluice_delivery_error_records_total",
	"sluice_delivery_data_freshness_seconds",
	// The HTTP listener and the runtime.
	"sluice_http_requests_in_flight",
	"sluice_api_requests_total",
	"sluice_runtime_invocations_total",
}

// SamplerConfig says what a Sampler records; zero fields take the
// defaults.
type SamplerConfig struct {
	// Families are the metric family names recorded (DefaultFamilies
	// when nil). Counters and gauges are recorded as they are; of a
	// histogram or summary, its count.
	Families []string
	Every    time.Duration
	Points   int
	// MaxSeries caps the series kept over every family.
	MaxSeries int
	Logger    *slog.Logger
}

// Sampler records selected metric families of a Prometheus registry every
// Every into a ring of Points samples per series, so the console can chart
// the last hour without an outside time-series database. Memory is bounded
// by MaxSeries × Points samples.
type Sampler struct {
	cfg      SamplerConfig
	g        prometheus.Gatherer
	families map[string]bool

	mu      sync.Mutex
	times   []time.Time // ring of sample times, len ≤ Points
	next    int         // index the next sample goes to
	n       int         // samples taken (capped at Points)
	series  map[string]*series
	dropped int
}

// series is one labelled series of a family, aligned with Sampler.times.
type series struct {
	family string
	labels map[string]string
	values []float64 // NaN where the series had no sample
	seen   int       // samples since the series was last present
}

// NewSampler returns a Sampler of g; Run starts it.
func NewSampler(g prometheus.Gatherer, cfg SamplerConfig) (*Sampler, error) {
	if g == nil {
		return nil, fmt.Errorf("console sampler: no registry")
	}
	if cfg.Every < 0 || cfg.Points < 0 || cfg.MaxSeries < 0 {
		return nil, fmt.Errorf("console sampler: negative interval, points or series")
	}
	if cfg.Families == nil {
		cfg.Families = DefaultFamilies
	}
	if cfg.Every == 0 {
		cfg.Every = DefaultSampleEvery
	}
	if cfg.Points == 0 {
		cfg.Points = DefaultSamplePoints
	}
	if cfg.MaxSeries == 0 {
		cfg.MaxSeries = DefaultMaxSeries
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	fam := map[string]bool{}
	for _, f := range cfg.Families {
		fam[f] = true
	}
	return &Sampler{cfg: cfg, g: g, families: fam, times: make([]time.Time, cfg.Points), series: map[string]*series{}}, nil
}

// Every is the sampling interval.
func (s *Sampler) Every() time.Duration { return s.cfg.Every }

// Run samples until ctx is done; it takes one sample at once.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	for {
		s.Sample(time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample reads the registry once, as of now.
func (s *Sampler) Sample(now time.Time) {
	mfs, err := s.g.Gather()
	if err != nil && len(mfs) == 0 {
		s.cfg.Logger.Warn("console sampler: gathering metrics", "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.next
	s.times[i] = now
	for _, se := range s.series {
		se.values[i] = math.NaN()
		se.seen++
	}
	for _, mf := range mfs {
		name := mf.GetName()
		if !s.families[name] {
			continue
		}
		for _, m := range mf.GetMetric() {
			v, ok := value(mf.GetType(), m)
			if !ok {
				continue
			}
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			key := seriesKey(name, labels)
			se := s.series[key]
			if se == nil {
				if len(s.series) >= s.cfg.MaxSeries {
					s.dropped++
					continue
				}
				se = &series{family: name, labels: labels, values: make([]float64, s.cfg.Points)}
				for j := range se.values {
					se.values[j] = math.NaN()
				}
				s.series[key] = se
			}
			se.values[i] = v
			se.seen = 0
		}
	}
	// A series absent for a whole ring has nothing left to show.
	for k, se := range s.series {
		if se.seen >= s.cfg.Points {
			delete(s.series, k)
		}
	}
	s.next = (i + 1) % s.cfg.Points
	s.n = min(s.n+1, s.cfg.Points)
}

func value(t dto.MetricType, m *dto.Metric) (float64, bool) {
	switch t {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue(), true
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue(), true
	case dto.MetricType_UNTYPED:
		return m.GetUntyped().GetValue(), true
	case dto.MetricType_HISTOGRAM:
		return float64(m.GetHistogram().GetSampleCount()), true
	case dto.MetricType_SUMMARY:
		return float64(m.GetSummary().GetSampleCount()), true
	}
	return 0, false
}

func seriesKey(family string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(family)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, labels[k])
	}
	return b.String()
}

// Dropped is how many series samples were not recorded for MaxSeries.
func (s *Sampler) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Points is the samples of one series, oldest first.
type Points struct {
	Times  []time.Time
	Values []float64 // NaN where there was no sample
}

// Query sums the series of family whose labels include match (every
// series of the family when match is empty), sample by sample, oldest
// first. ok is false when no series matched.
func (s *Sampler) Query(family string, match map[string]string) (Points, bool) {
	return s.combine(family, match, func(acc, v float64) float64 { return acc + v })
}

// Max is like Query, but takes the largest of the matching series at
// each sample (for ages: a stream is as far behind as its slowest shard).
func (s *Sampler) Max(family string, match map[string]string) (Points, bool) {
	return s.combine(family, match, math.Max)
}

// combine folds the matching series of family sample by sample with
// fold; a sample no series has stays NaN.
func (s *Sampler) combine(family string, match map[string]string, fold func(acc, v float64) float64) (p Points, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := (s.next - s.n + s.cfg.Points) % s.cfg.Points
	p.Times = make([]time.Time, s.n)
	p.Values = make([]float64, s.n)
	for j := range p.Values {
		p.Times[j] = s.times[(start+j)%s.cfg.Points]
		p.Values[j] = math.NaN()
	}
	for _, se := range s.series {
		if se.family != family || !matches(se.labels, match) {
			continue
		}
		ok = true
		for j := range p.Values {
			v := se.values[(start+j)%s.cfg.Points]
			switch {
			case math.IsNaN(v):
			case math.IsNaN(p.Values[j]):
				p.Values[j] = v
			default:
				p.Values[j] = fold(p.Values[j], v)
			}
		}
	}
	return p, ok
}

func matches(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// Rate turns the samples of a counter into per-second rates between
// successive samples. A reset counts from zero, and so does a series that
// appears within the window (a stream's counter is born with its first
// records); the first point is NaN.
func (p Points) Rate() Points {
	out := Points{Times: slices.Clone(p.Times), Values: make([]float64, len(p.Values))}
	for j := range p.Values {
		out.Values[j] = math.NaN()
		if j == 0 || math.IsNaN(p.Values[j]) {
			continue
		}
		dt := p.Times[j].Sub(p.Times[j-1]).Seconds()
		if dt <= 0 {
			continue
		}
		prev := p.Values[j-1]
		if math.IsNaN(prev) {
			prev = 0
		}
		d := p.Values[j] - prev
		if d < 0 {
			d = p.Values[j]
		}
		out.Values[j] = d / dt
	}
	return out
}

// Last is the newest value that is not NaN, and whether there is one.
func (p Points) Last() (float64, bool) {
	for j := len(p.Values) - 1; j >= 0; j-- {
		if !math.IsNaN(p.Values[j]) {
			return p.Values[j], true
		}
	}
	return 0, false
}
