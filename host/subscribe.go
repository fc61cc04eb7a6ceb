package host

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/kinesis"
)

// subscriptionTarget is the X-Amz-Target of SubscribeToShard.
const subscriptionTarget = kinesis.TargetPrefix + "." + kinesis.OpSubscribeToShard

// isSubscription reports whether r is a SubscribeToShard request: an
// answer that lasts minutes (host/kinesis holds it open and extends its
// own deadlines).
func isSubscription(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") == subscriptionTarget
}

// splitSubscriptions serves SubscribeToShard requests behind a limiter
// of their own and every other API request behind the API's, so that
// open subscriptions never take the slots of short requests, and a full
// API never holds a subscription back.
func splitSubscriptions(api, subs *requestLimiter, next http.Handler) http.Handler {
	apiNext, subsNext := api.wrap(next), subs.wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSubscription(r) {
			subsNext.ServeHTTP(w, r)
			return
		}
		apiNext.ServeHTTP(w, r)
	})
}

// newSubscriptionLimiter caps open subscriptions at l.MaxSubscriptions;
// one more is refused at once (no queue: it would wait minutes).
func newSubscriptionLimiter(l HTTPLimits, m *limiterMetrics) *requestLimiter {
	return newRequestLimiter("subscriptions", l.MaxSubscriptions, 0, 0, m, rejectSubscription(l.MaxSubscriptions))
}

// rejectSubscription answers a subscription over the cap with
// LimitExceededException, which SubscribeToShard declares, as HTTP 503
// with Retry-After, which the AWS SDKs retry with backoff.
func rejectSubscription(max int) func(http.ResponseWriter, *http.Request) {
	msg := fmt.Sprintf("Server busy: %d subscriptions open, the limit; retry with backoff.", max)
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		awsjson.WriteError(w, &awsjson.Error{Type: kinesis.LimitExceeded, Message: msg, Status: http.StatusServiceUnavailable})
	}
}
