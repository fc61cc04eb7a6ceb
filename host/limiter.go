package host

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/kinesis"
	"github.com/sluice-io/sluice/host/rest"
)

// requestLimiter caps the requests of one class of routes served at once:
// a semaphore of slots, and a bounded queue of requests waiting for one
// for a bounded time. A request that gets no slot is answered "busy" by
// reject without reaching its handler.
type requestLimiter struct {
	slots  chan struct{}
	queue  chan struct{}
	wait   time.Duration
	reject func(http.ResponseWriter, *http.Request)

	inFlight prometheus.Gauge
	queued   prometheus.Gauge
	rejected prometheus.Counter
}

// limiterMetrics are the gauges and counters of every limiter, by class.
type limiterMetrics struct {
	inFlight *prometheus.GaugeVec
	queued   *prometheus.GaugeVec
	rejected *prometheus.CounterVec
}

func newLimiterMetrics(reg prometheus.Registerer) (*limiterMetrics, error) {
	m := &limiterMetrics{
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_http_requests_in_flight",
			Help: "HTTP requests being served, by class (api: AWS APIs and /v1; subscriptions: SubscribeToShard; probes: /healthz, /readyz, /metrics).",
		}, []string{"class"}),
		queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_http_requests_queued",
			Help: "HTTP requests waiting for a slot under the class's concurrent-request cap.",
		}, []string{"class"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_http_requests_rejected_total",
			Help: "HTTP requests answered busy (503) because the class's concurrent-request cap was reached.",
		}, []string{"class"}),
	}
	for _, c := range []prometheus.Collector{m.inFlight, m.queued, m.rejected} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// newRequestLimiter serves at most maxInFlight requests at once; up to
// maxQueued more wait up to wait for a slot.
func newRequestLimiter(class string, maxInFlight, maxQueued int, wait time.Duration, m *limiterMetrics,
	reject func(http.ResponseWriter, *http.Request)) *requestLimiter {
	return &requestLimiter{
		slots:    make(chan struct{}, maxInFlight),
		queue:    make(chan struct{}, maxQueued),
		wait:     wait,
		reject:   reject,
		inFlight: m.inFlight.WithLabelValues(class),
		queued:   m.queued.WithLabelValues(class),
		rejected: m.rejected.WithLabelValues(class),
	}
}

// wrap returns next behind the limiter.
func (l *requestLimiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.acquire(r.Context()) {
			l.rejected.Inc()
			l.reject(w, r)
			return
		}
		l.inFlight.Inc()
		defer func() {
			l.inFlight.Dec()
			<-l.slots
		}()
		next.ServeHTTP(w, r)
	})
}

// acquire takes a slot, waiting in the queue when there is room in it.
func (l *requestLimiter) acquire(ctx context.Context) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case l.queue <- struct{}{}:
		l.queued.Inc()
		defer func() {
			l.queued.Dec()
			<-l.queue
		}()
	default:
		return false
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// busyRetryAfter is the Retry-After, in seconds, of a busy answer.
const busyRetryAfter = 1

// rejectAPI answers a request over the API cap in its protocol's shape
// (JSON or CBOR, by its Content-Type), HTTP 503 with Retry-After. The AWS SDKs retry 503 with backoff whatever
// the error name (checked in the source of the SDK for Go v2,
// retry.DefaultRetryableHTTPStatusCodes, and of JavaScript v3,
// TRANSIENT_ERROR_STATUS_CODES), and the names chosen are ones they also
// know as throttling, so they back off as for throttling, or that the
// operation's model declares:
//
//   - Kinesis data-plane operations (PutRecord, PutRecords, GetRecords,
//     GetShardIterator): ProvisionedThroughputExceededException, the error
//     their producers and the KCL already handle;
//   - other Kinesis operations: LimitExceededException, AWS's answer to a
//     control-plane call rate that is too high;
//   - Firehose: ServiceUnavailableException, which Firehose's model
//     declares with "back off and retry";
//   - any other AWS target: ThrottlingException;
//   - the native REST API (/v1): {"error": {"code": "Unavailable"}}.
func rejectAPI(maxInFlight int) func(http.ResponseWriter, *http.Request) {
	msg := fmt.Sprintf("Server busy: %d requests in flight, the limit; retry with backoff.", maxInFlight)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(rest.ErrorBody{Error: rest.ErrorDetail{Code: rest.CodeUnavailable, Message: msg}})
			return
		}
		typ := busyType(r.Header.Get("X-Amz-Target"))
		awsjson.WriteRequestError(w, r, &awsjson.Error{Type: typ, Message: msg, Status: http.StatusServiceUnavailable})
	}
}

// busyType is the AWS error name of a busy answer to target (see rejectAPI).
func busyType(target string) string {
	prefix, op, _ := strings.Cut(target, ".")
	switch prefix {
	case kinesis.TargetPrefix:
		switch op {
		case "PutRecord", "PutRecords", "GetRecords", "GetShardIterator":
			return kinesis.ThroughputExceeded
		}
		return kinesis.LimitExceeded
	case firehose.TargetPrefix:
		return firehose.ServiceUnavailable
	}
	return "ThrottlingException"
}

// rejectProbe answers a probe over its cap: plain text, 503.
func rejectProbe(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
	http.Error(w, fmt.Sprintf("busy: %d probes in flight, the limit", MaxInFlightProbes), http.StatusServiceUnavailable)
}
