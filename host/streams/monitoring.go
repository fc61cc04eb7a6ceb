package streams

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Shard-level metrics of enhanced monitoring, as Kinesis names them.
const (
	MetricIncomingBytes                      = "IncomingBytes"
	MetricIncomingRecords                    = "IncomingRecords"
	MetricOutgoingBytes                      = "OutgoingBytes"
	MetricOutgoingRecords                    = "OutgoingRecords"
	MetricWriteProvisionedThroughputExceeded = "WriteProvisionedThroughputExceeded"
	MetricReadProvisionedThroughputExceeded  = "ReadProvisionedThroughputExceeded"
	MetricIteratorAgeMilliseconds            = "IteratorAgeMilliseconds"
	// MetricAll stands for every metric in Enable/DisableEnhancedMonitoring.
	MetricAll = "ALL"
)

// MetricNames are the shard-level metrics, in the order AWS lists them.
var MetricNames = []string{
	MetricIncomingBytes, MetricIncomingRecords, MetricOutgoingBytes, MetricOutgoingRecords,
	MetricWriteProvisionedThroughputExceeded, MetricReadProvisionedThroughputExceeded, MetricIteratorAgeMilliseconds,
}

// metricSeries maps each shard-level metric to its Prometheus series
// (labelled stream and shard).
var metricSeries = map[string]*prometheus.Desc{
	MetricIncomingBytes: prometheus.NewDesc("sluice_kinesis_shard_incoming_bytes_total",
		"Data and partition key bytes stored in the shard (IncomingBytes).", []string{"stream", "shard"}, nil),
	MetricIncomingRecords: prometheus.NewDesc("sluice_kinesis_shard_incoming_records_total",
		"Records stored in the shard (IncomingRecords).", []string{"stream", "shard"}, nil),
	MetricOutgoingBytes: prometheus.NewDesc("sluice_kinesis_shard_outgoing_bytes_total",
		"Data bytes GetRecords returned from the shard (OutgoingBytes).", []string{"stream", "shard"}, nil),
	MetricOutgoingRecords: prometheus.NewDesc("sluice_kinesis_shard_outgoing_records_total",
		"Records GetRecords returned from the shard (OutgoingRecords).", []string{"stream", "shard"}, nil),
	MetricWriteProvisionedThroughputExceeded: prometheus.NewDesc("sluice_kinesis_shard_write_throughput_exceeded_total",
		"Records refused with ProvisionedThroughputExceededException (WriteProvisionedThroughputExceeded).", []string{"stream", "shard"}, nil),
	MetricReadProvisionedThroughputExceeded: prometheus.NewDesc("sluice_kinesis_shard_read_throughput_exceeded_total",
		"GetRecords calls refused with ProvisionedThroughputExceededException (ReadProvisionedThroughputExceeded).", []string{"stream", "shard"}, nil),
	MetricIteratorAgeMilliseconds: prometheus.NewDesc("sluice_kinesis_shard_iterator_age_milliseconds",
		"Age of the last record the last GetRecords of the shard returned; 0 once a reader is caught up (IteratorAgeMilliseconds).", []string{"stream", "shard"}, nil),
}

// shardCounts are one shard's counters.
type shardCounts struct {
	inBytes, inRecords, outBytes, outRecords, writeExceeded, readExceeded atomic.Int64
	iteratorAgeMs                                                         atomic.Int64
}

// monitor counts the shard-level metrics of the streams that enabled
// some (a stream without them costs nothing) and serves them as a
// Prometheus collector.
//
// Bound: one entry per shard of a monitored stream still in its
// definition; entries of shards and streams that are gone, or no longer
// monitored, are dropped at each collection.
type monitor struct {
	e      *Engine
	mu     sync.Mutex
	shards map[string]*shardCounts // by meterKey
	// stream counts the stream-level series of every stream
	// (streammetrics.go).
	stream streamMeter
}

// counts returns the counters of a shard of a monitored stream, nil when
// the stream has no shard-level metrics enabled.
func (m *monitor) counts(s *Stream, shard string) *shardCounts {
	if len(s.ShardLevelMetrics) == 0 {
		return nil
	}
	key := meterKey(s, shard)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shards == nil {
		m.shards = map[string]*shardCounts{}
	}
	c := m.shards[key]
	if c == nil {
		c = &shardCounts{}
		m.shards[key] = c
	}
	return c
}

// wrote counts records stored in a shard; throttled counts those refused
// for its throughput limits.
func (m *monitor) wrote(s *Stream, shard string, records, bytes int) {
	sc := m.stream.counts(s)
	sc.inRecords.Add(int64(records))
	sc.inBytes.Add(int64(bytes))
	if c := m.counts(s, shard); c != nil {
		c.inRecords.Add(int64(records))
		c.inBytes.Add(int64(bytes))
	}
}

func (m *monitor) throttledWrite(s *Stream, shard string) {
	m.stream.counts(s).writeExceeded.Add(1)
	if c := m.counts(s, shard); c != nil {
		c.writeExceeded.Add(1)
	}
}

func (m *monitor) throttledRead(s *Stream, shard string) {
	m.stream.counts(s).readExceeded.Add(1)
	if c := m.counts(s, shard); c != nil {
		c.readExceeded.Add(1)
	}
}

// read counts a GetRecords answer: its records and bytes, and the age of
// its last record (0 when it returned none and the shard has nothing
// more).
func (m *monitor) read(s *Stream, shard string, out *ReadResult, bytes int, caughtUp bool, now time.Time) {
	c := m.counts(s, shard)
	if c == nil {
		return
	}
	c.outRecords.Add(int64(len(out.Records)))
	c.outBytes.Add(int64(bytes))
	switch {
	case len(out.Records) > 0:
		c.iteratorAgeMs.Store(max(0, now.Sub(out.Records[len(out.Records)-1].Arrival).Milliseconds()))
	case caughtUp:
		c.iteratorAgeMs.Store(0)
	}
}

var _ prometheus.Collector = (*monitor)(nil)

// Describe sends the series' descriptions.
func (m *monitor) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range metricSeries {
		ch <- d
	}
	describeStreamSeries(ch)
}

// Collect sends the enabled metrics of every shard of every monitored
// stream, and drops the counters no stream needs any more.
func (m *monitor) Collect(ch chan<- prometheus.Metric) {
	all, ok := m.e.defs.snapshot()
	if !ok {
		return
	}
	m.stream.collect(all, ch)
	keep := map[string]bool{}
	for _, s := range all {
		if len(s.ShardLevelMetrics) == 0 || !usable(s) {
			continue
		}
		for _, sh := range s.Shards {
			key := meterKey(s, sh.ID)
			keep[key] = true
			m.mu.Lock()
			c := m.shards[key]
			m.mu.Unlock()
			if c == nil {
				c = &shardCounts{}
			}
			for _, name := range s.ShardLevelMetrics {
				d, ok := metricSeries[name]
				if !ok {
					continue
				}
				kind, v := prometheus.CounterValue, 0.0
				switch name {
				case MetricIncomingBytes:
					v = float64(c.inBytes.Load())
				case MetricIncomingRecords:
					v = float64(c.inRecords.Load())
				case MetricOutgoingBytes:
					v = float64(c.outBytes.Load())
				case MetricOutgoingRecords:
					v = float64(c.outRecords.Load())
				case MetricWriteProvisionedThroughputExceeded:
					v = float64(c.writeExceeded.Load())
				case MetricReadProvisionedThroughputExceeded:
					v = float64(c.readExceeded.Load())
				case MetricIteratorAgeMilliseconds:
					kind, v = prometheus.GaugeValue, float64(c.iteratorAgeMs.Load())
				}
				ch <- prometheus.MustNewConstMetric(d, kind, v, s.Name, sh.ID)
			}
		}
	}
	m.mu.Lock()
	for key := range m.shards {
		if !keep[key] {
			delete(m.shards, key)
		}
	}
	m.mu.Unlock()
}

// Collector serves the stream-level series of every stream
// (streammetrics.go) and the shard-level metrics of enhanced monitoring
// (EnableEnhancedMonitoring) as Prometheus series labelled stream and
// shard; register it on the server's registry. Only the shard-level
// metrics a stream enabled are served, for each of its shards still
// listed; a deleted stream's series go at the next collection.
func (e *Engine) Collector() prometheus.Collector { return &e.mon }

// ValidMetricName reports whether name is a shard-level metric or ALL.
func ValidMetricName(name string) bool {
	return name == MetricAll || slices.Contains(MetricNames, name)
}

// SetShardLevelMetrics enables (enable) or disables the given shard-level
// metrics of a stream (MetricAll stands for all of them), and returns the
// metrics enabled before and after, in MetricNames order.
func (e *Engine) SetShardLevelMetrics(ctx context.Context, name string, metrics []string, enable bool) (before, after []string, err error) {
	if err := ValidateName(name); err != nil {
		return nil, nil, err
	}
	if err := validateLength(len(metrics), "shardLevelMetrics", len(metrics), 1, len(MetricNames)); err != nil {
		return nil, nil, err
	}
	asked := map[string]bool{}
	for _, m := range metrics {
		if !ValidMetricName(m) {
			return nil, nil, validationf(m, "shardLevelMetrics.member", "Member must satisfy enum value set: ["+joinNames(append(slices.Clone(MetricNames), MetricAll))+"]")
		}
		if m == MetricAll {
			for _, n := range MetricNames {
				asked[n] = true
			}
		}
		asked[m] = true
	}
	s, err := e.update(ctx, name, func(s *Stream) error {
		if !usable(s) {
			return e.notFound(name)
		}
		before = slices.Clone(s.ShardLevelMetrics)
		on := map[string]bool{}
		for _, m := range s.ShardLevelMetrics {
			on[m] = true
		}
		for m := range asked {
			on[m] = enable
		}
		s.ShardLevelMetrics = nil
		for _, m := range MetricNames {
			if on[m] {
				s.ShardLevelMetrics = append(s.ShardLevelMetrics, m)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return orEmpty(before), orEmpty(slices.Clone(s.ShardLevelMetrics)), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func joinNames(names []string) string { return strings.Join(names, ", ") }

// Usage is what DescribeLimits reports of the streams: their open shards
// and how many are ON_DEMAND.
type Usage struct {
	OpenShards      int
	OnDemandStreams int
}

// Usage counts the open shards of every stream and the ON_DEMAND streams
// (streams being deleted count no more).
func (e *Engine) Usage(ctx context.Context) (Usage, error) {
	all, err := e.streams(ctx)
	if err != nil {
		return Usage{}, err
	}
	var u Usage
	for _, s := range all {
		if s.Status == StatusDeleting {
			continue
		}
		u.OpenShards += s.OpenShards()
		if s.StreamMode() == ModeOnDemand {
			u.OnDemandStreams++
		}
	}
	return u, nil
}

// MaxShards is the most shards one stream may have on this engine.
func (e *Engine) MaxShards() int { return e.cfg.MaxShards }
