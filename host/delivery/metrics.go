package delivery

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the figures a Firehose user watches, labelled with the
// delivery stream (and the destination or result where it matters).
type metrics struct {
	incomingRecords   *prometheus.CounterVec
	incomingBytes     *prometheus.CounterVec
	deaggregated      *prometheus.CounterVec
	throttled         *prometheus.CounterVec
	deliveredRecords  *prometheus.CounterVec
	deliveredBytes    *prometheus.CounterVec
	deliveredObjects  *prometheus.CounterVec
	deliveryFailures  *prometheus.CounterVec
	deliveryRetries   *prometheus.CounterVec
	transformRecords  *prometheus.CounterVec
	invocations       *prometheus.CounterVec
	invocationRetries *prometheus.CounterVec
	conversionFailed  *prometheus.CounterVec
	errorRecords      *prometheus.CounterVec
	lostRecords       *prometheus.CounterVec
	freshness         *prometheus.GaugeVec
	state             *prometheus.GaugeVec
	lastError         *prometheus.GaugeVec
	recordLatency     *prometheus.HistogramVec
	batchDuration     *prometheus.HistogramVec

	reg        prometheus.Registerer
	registered []prometheus.Collector
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "sluice", "delivery"
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help},
			append([]string{"delivery_stream"}, labels...))
	}
	m := &metrics{
		incomingRecords: counter("incoming_records_total", "Records accepted by the delivery stream (IncomingRecords)."),
		incomingBytes:   counter("incoming_bytes_total", "Bytes accepted by the delivery stream (IncomingBytes)."),
		deaggregated: counter("deaggregated_records_total",
			"Records the delivered source records came to after KPL de-aggregation and the record processors: each is delivered, dropped or in the error output."),
		throttled:         counter("throttled_records_total", "Records refused for lack of capacity (ThrottledRecords)."),
		deliveredRecords:  counter("delivered_records_total", "Records delivered, by destination (DeliveryToS3.Records).", "destination"),
		deliveredBytes:    counter("delivered_bytes_total", "Object bytes delivered, by destination (DeliveryToS3.Bytes).", "destination"),
		deliveredObjects:  counter("delivered_objects_total", "Objects (or HTTP requests) delivered, by destination.", "destination"),
		deliveryFailures:  counter("delivery_failures_total", "Failed attempts to write to a destination.", "destination"),
		deliveryRetries:   counter("delivery_retries_total", "Retries of a write to a destination.", "destination"),
		transformRecords:  counter("transform_records_total", "Records answered by the processor, by result (ok, dropped, processing_failed).", "result"),
		invocations:       counter("transform_invocations_total", "Processor invocations, by outcome (success, failure).", "outcome"),
		invocationRetries: counter("transform_retries_total", "Retries of failed processor invocations."),
		conversionFailed:  counter("conversion_failures_total", "Records that did not fit the format (FailedConversion.Records)."),
		errorRecords:      counter("error_records_total", "Records written to the error output, by error output type.", "type"),
		lostRecords: counter("source_lost_records_total",
			"Source records gone before they could be delivered (each recorded in the error output as a source-gap), by reason (expired, deleted).", "reason"),
		freshness: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "data_freshness_seconds",
			Help: "Age of the oldest source record not yet delivered (DataFreshness); 0 when all is delivered."}, []string{"delivery_stream"}),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "state",
			Help: "1 for the delivery stream's current state (ACTIVE, RETRYING, FAILED), 0 for the others."}, []string{"delivery_stream", "state"}),
		lastError: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "last_error_timestamp_seconds",
			Help: "When the delivery stream last failed (Unix time); absent if it never did."}, []string{"delivery_stream"}),
		recordLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "record_latency_seconds",
			Help:    "Time from a source record's arrival to the end of the write of its batch (delivered, or in the error output).",
			Buckets: latencyBuckets}, []string{"delivery_stream"}),
		batchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "batch_duration_seconds",
			Help:    "Time to write one processed batch to the destination (its objects or requests, backup and error output, retries included).",
			Buckets: latencyBuckets}, []string{"delivery_stream"}),
		reg: reg,
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range m.all() {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				m.adopt(c, are.ExistingCollector)
				continue
			}
			m.unregister()
			return nil, err
		}
		m.registered = append(m.registered, c)
	}
	return m, nil
}

func (m *metrics) all() []prometheus.Collector {
	return []prometheus.Collector{m.incomingRecords, m.incomingBytes, m.deaggregated, m.throttled, m.deliveredRecords,
		m.deliveredBytes, m.deliveredObjects, m.deliveryFailures, m.deliveryRetries, m.transformRecords,
		m.invocations, m.invocationRetries, m.conversionFailed, m.errorRecords, m.lostRecords,
		m.freshness, m.state, m.lastError, m.recordLatency, m.batchDuration}
}

// adopt uses a collector registered earlier (by a previous Manager on the
// same registry) in place of the new one, so counters keep counting.
func (m *metrics) adopt(c, existing prometheus.Collector) {
	for _, p := range []**prometheus.CounterVec{&m.incomingRecords, &m.incomingBytes, &m.deaggregated, &m.throttled,
		&m.deliveredRecords, &m.deliveredBytes, &m.deliveredObjects, &m.deliveryFailures, &m.deliveryRetries,
		&m.transformRecords, &m.invocations, &m.invocationRetries, &m.conversionFailed, &m.errorRecords, &m.lostRecords} {
		if prometheus.Collector(*p) == c {
			if e, ok := existing.(*prometheus.CounterVec); ok {
				*p = e
			}
			return
		}
	}
	for _, p := range []**prometheus.GaugeVec{&m.freshness, &m.state, &m.lastError} {
		if prometheus.Collector(*p) == c {
			if e, ok := existing.(*prometheus.GaugeVec); ok {
				*p = e
			}
			return
		}
	}
	for _, p := range []**prometheus.HistogramVec{&m.recordLatency, &m.batchDuration} {
		if prometheus.Collector(*p) == c {
			if e, ok := existing.(*prometheus.HistogramVec); ok {
				*p = e
			}
			return
		}
	}
}

// latencyBuckets are the buckets of delivery latencies, in seconds: a
// folder write takes milliseconds, a buffering interval up to 900 s
// adds to a record's latency, and a destination's outage to both.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600}

// observeBatch records a written batch: its write's duration and each of
// its records' latency, from arrival to done.
func (m *metrics) observeBatch(name string, recs []record, start, done time.Time) {
	m.batchDuration.WithLabelValues(name).Observe(done.Sub(start).Seconds())
	h := m.recordLatency.WithLabelValues(name)
	for i := range recs {
		if r := &recs[i]; !r.barrier && !r.arrival.IsZero() {
			h.Observe(max(0, done.Sub(r.arrival).Seconds()))
		}
	}
}

// runningStates are the values of the state metric's label.
var runningStates = []string{StatusActive, StatusRetrying, StatusFailed}

// setState makes state the delivery stream's one current state.
func (m *metrics) setState(name, state string) {
	for _, s := range runningStates {
		v := 0.0
		if s == state {
			v = 1
		}
		m.state.WithLabelValues(name, s).Set(v)
	}
}

func (m *metrics) unregister() {
	for _, c := range m.registered {
		m.reg.Unregister(c)
	}
	m.registered = nil
}

// forget drops a deleted delivery stream's series.
func (m *metrics) forget(name string) {
	l := prometheus.Labels{"delivery_stream": name}
	for _, c := range m.all() {
		switch v := c.(type) {
		case *prometheus.CounterVec:
			v.DeletePartialMatch(l)
		case *prometheus.GaugeVec:
			v.DeletePartialMatch(l)
		case *prometheus.HistogramVec:
			v.DeletePartialMatch(l)
		}
	}
}

// forgetRunning drops the gauges of a delivery stream this host stopped
// running (another host runs it now, and exports them): a host exports
// state, freshness and last-error gauges only for what it runs. Its
// counters stay: they count what this host did.
func (m *metrics) forgetRunning(name string) {
	l := prometheus.Labels{"delivery_stream": name}
	for _, g := range []*prometheus.GaugeVec{m.freshness, m.state, m.lastError} {
		g.DeletePartialMatch(l)
	}
}
