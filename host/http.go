package host

import (
	"fmt"
	"net/http"
	"time"
)

// Bounds of the HTTP listener: the defaults of HTTPLimits.
//
// They are sized for an edge box on a slow link, where one answer can be
// large: GetRecords returns up to 10 MiB of data, about 13.4 MiB of JSON
// once base64 encoded, and a request body can be up to awsjson's 10 MiB.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers: a
	// client that trickles them (slow loris) is cut off.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included: a
	// 10 MiB body at about 700 kbit/s.
	DefaultReadTimeout = 2 * time.Minute
	// DefaultWriteTimeout bounds a request from the end of its headers to
	// the end of its answer: a 13.4 MiB GetRecords answer at about 370
	// kbit/s. It is longer than DefaultReadTimeout because it includes the
	// body's reading.
	DefaultWriteTimeout = 5 * time.Minute
	// DefaultIdleTimeout closes a keep-alive connection with no request
	// for this long; longer than the AWS SDKs' own 90 s idle timeout, so
	// the client, not the server, closes first.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxHeaderBytes caps a request's headers (SigV4 headers are
	// well under 4 KiB); net/http's own default is 1 MiB.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxInFlightRequests caps the API requests (AWS APIs and
	// /v1) served at once. Each can hold a 10 MiB body and its decoded
	// form, or a 10 MiB GetRecords answer: about 25 MiB at worst, so this
	// bounds request memory to under 1 GiB.
	DefaultMaxInFlightRequests = 32
	// DefaultMaxQueuedRequests caps the API requests waiting for a slot;
	// one more is answered "busy" at once. A waiting request has read only
	// its headers.
	DefaultMaxQueuedRequests = 128
	// DefaultQueueWait is how long a request over the cap waits for a
	// slot before it is answered "busy" (HTTP 503, which the AWS SDKs
	// retry with backoff).
	DefaultQueueWait = time.Second
	// MaxInFlightProbes caps /healthz, /readyz and /metrics served at
	// once, apart from the API's cap, so a saturated API still answers
	// its probes and a flood of probes cannot take the API's slots.
	MaxInFlightProbes = 8
	// MaxConcurrentStreams caps the requests one HTTP/2 connection has
	// open at once (net/http's default, made explicit). Each stream is a
	// request of its own to the caps above; a client that wants more opens
	// another connection, as the AWS SDKs do.
	MaxConcurrentStreams = 250
	// HTTP2ReceiveBuffer is how much request body an HTTP/2 connection,
	// and each of its streams, may send before its handler reads it (the
	// flow-control windows; net/http's default, made explicit): bodies
	// waiting on one connection hold at most this much memory.
	HTTP2ReceiveBuffer = 1 << 20
	// DefaultMaxSubscriptions caps the SubscribeToShard subscriptions
	// open at once, apart from the API's cap (see subscribe.go): each
	// holds a goroutine and a headers-only JetStream consumer; the bytes
	// of their events are bounded by the engine's read budget.
	DefaultMaxSubscriptions = 256
)

// HTTPLimits bound the HTTP listener; zero fields take the defaults above.
//
// # HTTP/2
//
// The listener serves HTTP/1.1 and HTTP/2, over TLS (by ALPN) and in
// cleartext (h2c with prior knowledge, what the AWS SDK for JavaScript
// v3 speaks to an http:// endpoint). The limits hold for every request
// alike: each HTTP/2 stream is one request to the cap on requests in
// flight and its queue, ReadTimeout bounds each stream's body and
// WriteTimeout each stream's answer (a stream cut by it is reset, its
// connection's other streams go on). ReadHeaderTimeout bounds the
// connection preface; a stream's headers hold no slot until they are
// complete, and a connection with no stream open closes after
// IdleTimeout. A connection that takes no byte at all for WriteTimeout is
// closed (HTTP2Config.WriteByteTimeout): without it, a peer that stops
// reading would keep its streams' handlers, and their slots, forever.
//
// # Long requests
//
// The timeouts hold for every request. A handler that legitimately runs
// longer (issue 10's SubscribeToShard holds an event stream open for up to
// 5 minutes) extends its own connection's deadlines with
// http.NewResponseController(w).SetWriteDeadline and SetReadDeadline
// rather than raising them for everyone, and should take its slots from a
// limiter of its own (newRequestLimiter) so that long subscriptions never
// starve short requests.
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// MaxInFlight caps API requests served at once, MaxQueued those
	// waiting for a slot, for at most QueueWait.
	MaxInFlight int
	MaxQueued   int
	QueueWait   time.Duration
	// MaxSubscriptions caps SubscribeToShard subscriptions open at once;
	// one more is refused at once (LimitExceededException, HTTP 503).
	MaxSubscriptions int
	// SubscriptionDuration is how long a subscription lasts (0: AWS's 5
	// minutes, the most); the timeouts above do not cut it short.
	SubscriptionDuration time.Duration
}

func (l *HTTPLimits) setDefaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.ReadTimeout, DefaultReadTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	def(&l.QueueWait, DefaultQueueWait)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxInFlight == 0 {
		l.MaxInFlight = DefaultMaxInFlightRequests
	}
	if l.MaxQueued == 0 {
		l.MaxQueued = DefaultMaxQueuedRequests
	}
	if l.MaxSubscriptions == 0 {
		l.MaxSubscriptions = DefaultMaxSubscriptions
	}
}

// check refuses negative limits (zero means the default).
func (l HTTPLimits) check() error {
	for name, v := range map[string]int64{
		"ReadHeaderTimeout": int64(l.ReadHeaderTimeout), "ReadTimeout": int64(l.ReadTimeout),
		"WriteTimeout": int64(l.WriteTimeout), "IdleTimeout": int64(l.IdleTimeout),
		"MaxHeaderBytes": int64(l.MaxHeaderBytes), "MaxInFlight": int64(l.MaxInFlight),
		"MaxQueued": int64(l.MaxQueued), "QueueWait": int64(l.QueueWait),
		"MaxSubscriptions": int64(l.MaxSubscriptions), "SubscriptionDuration": int64(l.SubscriptionDuration),
	} {
		if v < 0 {
			return fmt.Errorf("http limits: %s is negative", name)
		}
	}
	return nil
}

// newHTTPServer is the listener's server with the limits' timeouts,
// serving HTTP/1.1 and HTTP/2, in cleartext too (see HTTPLimits).
func newHTTPServer(h http.Handler, l HTTPLimits) *http.Server {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		Protocols:         protocols,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams:          MaxConcurrentStreams,
			MaxReceiveBufferPerConnection: HTTP2ReceiveBuffer,
			MaxReceiveBufferPerStream:     HTTP2ReceiveBuffer,
			WriteByteTimeout:              l.WriteTimeout,
		},
	}
}
