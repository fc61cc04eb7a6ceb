package host

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/kinesis"
)

// Label values of the API metrics that stand for something other than an
// operation or an error name.
const (
	// apiErrorNone is the error_code of a successful request.
	apiErrorNone = "none"
	// apiUnknown is the operation of a target no handler serves (and the
	// api of a target prefix that is neither Kinesis's nor Firehose's):
	// what a client sends cannot make series of its own.
	apiUnknown = "unknown"
)

// apiBuckets are the latency buckets of AWS API requests, in seconds:
// from a cached DescribeStream (about a millisecond) to a
// SubscribeToShard, which lasts up to five minutes.
var apiBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// apiMetrics count the Kinesis and Firehose API requests, by operation and
// AWS error name, and time them.
//
// Bound: the operations are those registered on the server's awsjson.Mux
// (about 40 Kinesis and 15 Firehose ones; any other target is
// "unknown"), the error names those the server answers (constants of
// its code).
type apiMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// apis maps a target prefix to its api label; ops the targets served.
	apis map[string]string
	ops  map[string]bool
}

func newAPIMetrics(reg prometheus.Registerer, targets []string) (*apiMetrics, error) {
	m := &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_api_requests_total",
			Help: `Kinesis and Firehose API requests (JSON and CBOR, SubscribeToShard included), by api (kinesis, firehose), operation and error_code: the AWS error name answered (X-Amzn-ErrorType), "none" for a success. Refusals before the operation (signature, busy) count too.`,
		}, []string{"api", "operation", "error_code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_api_request_duration_seconds",
			Help:    "Time from a Kinesis or Firehose API request's headers to the end of its answer (a SubscribeToShard's whole subscription), by api and operation.",
			Buckets: apiBuckets,
		}, []string{"api", "operation"}),
		apis: map[string]string{kinesis.TargetPrefix: "kinesis", firehose.TargetPrefix: "firehose"},
		ops:  map[string]bool{},
	}
	for _, t := range targets {
		m.ops[t] = true
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// labels are the api and operation of an X-Amz-Target.
func (m *apiMetrics) labels(target string) (api, op string) {
	prefix, name, _ := strings.Cut(target, ".")
	api, ok := m.apis[prefix]
	if !ok {
		return apiUnknown, apiUnknown
	}
	if !m.ops[target] {
		return api, apiUnknown
	}
	return api, name
}

// wrap counts and times the AWS API requests next serves (POST / with an
// X-Amz-Target); other requests (/v1) pass uncounted. It reads the
// outcome from the answer's X-Amzn-ErrorType, which every AWS error
// answer carries (awsjson.WriteErrorAs), so it needs no wrapper around the
// ResponseWriter (SubscribeToShard flushes and extends its deadlines
// through it).
func (m *apiMetrics) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		if r.URL.Path != "/" || target == "" {
			next.ServeHTTP(w, r)
			return
		}
		api, op := m.labels(target)
		start := time.Now()
		defer func() {
			m.duration.WithLabelValues(api, op).Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(api, op, errorCode(w.Header().Get("X-Amzn-ErrorType"))).Inc()
		}()
		next.ServeHTTP(w, r)
	})
}

// errorCode is the error_code label of an answer's X-Amzn-ErrorType: the
// AWS error name, "none" for a success. The names are the server's own
// constants; anything that does not look like one is "other".
func errorCode(typ string) string {
	if typ == "" {
		return apiErrorNone
	}
	if len(typ) > 64 {
		return "other"
	}
	for _, c := range typ {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return "other"
		}
	}
	return typ
}
