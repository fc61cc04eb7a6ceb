package runtime

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Results of a Transform call, the result label of
// sluice_runtime_invocations_total: ResultOK or the kind of failure.
const (
	ResultOK = "ok"
)

// resultNames name the kinds of failure in metrics.
var resultNames = []struct {
	err  error
	name string
}{
	{ErrTrap, "trap"}, {ErrTimeout, "timeout"}, {ErrCanceled, "canceled"},
	{ErrOutputTooLarge, "output_too_large"}, {ErrMalformedOutput, "malformed_output"},
	{ErrBadAnswer, "bad_answer"}, {ErrGuest, "guest_error"}, {ErrABIViolation, "abi_violation"},
	{ErrExit, "exit"}, {ErrInstantiate, "instantiate"}, {ErrClosed, "closed"}, {ErrInvalidBatch, "invalid_batch"},
}

// resultOf is the result label of a Transform's error.
func resultOf(err error) string {
	if err == nil {
		return ResultOK
	}
	for _, r := range resultNames {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "error"
}

// invocationBuckets are the buckets of a call's duration, in seconds: a
// C transform of a small batch takes microseconds, a module's timeout is
// up to minutes.
var invocationBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

var (
	descInstances = prometheus.NewDesc("sluice_runtime_instances",
		"Live instances of a loaded module version (for a WASI command: calls running), by module and version.", []string{"module", "version"}, nil)
	descInstanceLimit = prometheus.NewDesc("sluice_runtime_instance_limit",
		"The most instances a loaded module version may have at once (its Instances limit).", []string{"module", "version"}, nil)
	descMemory = prometheus.NewDesc("sluice_runtime_memory_bytes",
		"Linear memory held by the live instances of a loaded SDK module version, as of the end of each one's last call.", []string{"module", "version"}, nil)
	descCompiled = prometheus.NewDesc("sluice_runtime_compiled_modules",
		"Distinct modules compiled and held by the runtime.", nil, nil)
)

// metrics are the runtime's Prometheus series, by module and version.
//
// Bound: series exist only for module versions loaded now (each a
// delivery stream's processor, a check or a REST test); when the last
// Module of a version closes, its series are deleted.
type metrics struct {
	invocations *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	created     *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_runtime_invocations_total",
			Help: `Transform calls (one per batch), by module, version and result: "ok" or the kind of failure (trap, timeout, guest_error, ...).`,
		}, []string{"module", "version", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_runtime_invocation_duration_seconds",
			Help:    "Duration of a Transform call, waiting for an instance included, by module and version.",
			Buckets: invocationBuckets,
		}, []string{"module", "version"}),
		created: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_runtime_instances_created_total",
			Help: "Instances created (instantiated, _initialize run) of a loaded module version.",
		}, []string{"module", "version"}),
	}
}

// observe counts one Transform call of m.
func (x *metrics) observe(m *Module, d time.Duration, err error) {
	v := strconv.Itoa(m.ref.Version)
	x.invocations.WithLabelValues(m.ref.Name, v, resultOf(err)).Inc()
	x.duration.WithLabelValues(m.ref.Name, v).Observe(d.Seconds())
}

// forget deletes the series of ref.
func (x *metrics) forget(ref Ref) {
	l := prometheus.Labels{"module": ref.Name, "version": strconv.Itoa(ref.Version)}
	x.invocations.DeletePartialMatch(l)
	x.duration.DeletePartialMatch(l)
	x.created.DeletePartialMatch(l)
}

// noteMemory records the instance's linear memory now into its module's
// total; only the goroutine holding the instance calls it.
func (in *instance) noteMemory() {
	mem := in.mod.Memory()
	if mem == nil {
		return
	}
	cur := int64(mem.Size())
	in.state.m.memBytes.Add(cur - in.memSeen)
	in.memSeen = cur
}

// Collector serves the runtime's metrics: invocations and their duration,
// instances, their limit and memory, by module and version. Register it
// on the server's registry.
func (r *Runtime) Collector() prometheus.Collector { return (*runtimeCollector)(r) }

type runtimeCollector Runtime

func (c *runtimeCollector) Describe(ch chan<- *prometheus.Desc) {
	r := (*Runtime)(c)
	r.met.invocations.Describe(ch)
	r.met.duration.Describe(ch)
	r.met.created.Describe(ch)
	for _, d := range []*prometheus.Desc{descInstances, descInstanceLimit, descMemory, descCompiled} {
		ch <- d
	}
}

func (c *runtimeCollector) Collect(ch chan<- prometheus.Metric) {
	r := (*Runtime)(c)
	r.met.invocations.Collect(ch)
	r.met.duration.Collect(ch)
	r.met.created.Collect(ch)
	type sums struct{ instances, limit, memory int64 }
	byRef := map[Ref]*sums{}
	r.mu.Lock()
	compiled := len(r.compiled)
	for m := range r.modules {
		s := byRef[m.ref]
		if s == nil {
			s = &sums{}
			byRef[m.ref] = s
		}
		s.instances += int64(len(m.pool.slots))
		s.limit += int64(cap(m.pool.slots))
		s.memory += m.memBytes.Load()
	}
	r.mu.Unlock()
	for ref, s := range byRef {
		v := strconv.Itoa(ref.Version)
		ch <- prometheus.MustNewConstMetric(descInstances, prometheus.GaugeValue, float64(s.instances), ref.Name, v)
		ch <- prometheus.MustNewConstMetric(descInstanceLimit, prometheus.GaugeValue, float64(s.limit), ref.Name, v)
		ch <- prometheus.MustNewConstMetric(descMemory, prometheus.GaugeValue, float64(s.memory), ref.Name, v)
	}
	ch <- prometheus.MustNewConstMetric(descCompiled, prometheus.GaugeValue, float64(compiled))
}
