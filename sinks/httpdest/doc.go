// Package httpdest delivers batches to an HTTP endpoint by Firehose's HTTP
// endpoint delivery contract, so endpoints written for Firehose (Datadog,
// New Relic, a team's own receiver) accept Sluice's requests unchanged.
//
// # The contract
//
// A request is a POST of
//
//	{"requestId": "...", "timestamp": <ms since epoch>, "records": [{"data": "<base64>"}, ...]}
//
// with Content-Type application/json (optionally gzip-compressed, with
// Content-Encoding: gzip) and the headers X-Amz-Firehose-Protocol-Version:
// 1.0, X-Amz-Firehose-Request-Id, X-Amz-Firehose-Source-Arn,
// X-Amz-Firehose-Access-Key (when configured) and
// X-Amz-Firehose-Common-Attributes ({"commonAttributes": {...}}). Delivery
// succeeds only on HTTP 200 with a JSON body {"requestId", "timestamp"}
// whose requestId is the request's; anything else, including a timeout, is
// a failure, whose reason is the endpoint's errorMessage when it gives one.
//
// # Retries
//
// Client.Send makes one attempt. Client.Deliver retries a failing request,
// byte for byte the same (same request id, same timestamp), waiting 1 s,
// then 2 s, 4 s ... capped at 30 s (DefaultInitialBackoff,
// DefaultMaxBackoff; no jitter), until the retry duration has passed, as
// Firehose does; it then returns an *Error for which
// errors.Is(err, ErrRetriesExhausted) holds, carrying the last reason and
// the number of attempts, and the delivery engine sends the records to the
// error output as http-endpoint-failed. Every failure is Retryable except
// one caused by the caller's context ending.
//
// Request ids are the caller's: derive them from the batch's source
// positions (RequestID does this) so a batch replayed after a crash is sent
// with the id it had, and an endpoint that deduplicates by id sees a retry.
//
// # Probe
//
// Client.Probe only connects to the endpoint's host (and completes the TLS
// handshake for https), sending no request: AWS does not contact an
// endpoint when a delivery stream is created. Its failures are never
// permanent.
package httpdest
