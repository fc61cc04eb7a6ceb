package delivery

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/sluice-io/sluice/sinks/httpdest"
	"github.com/sluice-io/sluice/sinks/keys"
)

// httpDestination is an HTTP endpoint with Firehose's delivery contract.
type httpDestination struct {
	client   *httpdest.Client
	retryFor time.Duration
}

// newHTTPDestination builds the endpoint's client, with its access key
// resolved now and its connections through the server's egress policy.
func newHTTPDestination(p *pipeline) (*httpDestination, error) {
	h := p.def.Destination.HTTP
	key, err := p.m.secret(h.AccessKey, h.AccessKeyFrom, "destination.http.accessKey")
	if err != nil {
		return nil, err
	}
	c, err := httpdest.New(httpdest.Config{
		URL:              h.URL,
		AccessKey:        key,
		SourceARN:        p.m.arn(p.def.Name),
		CommonAttributes: h.CommonAttributes,
		GZIP:             h.ContentEncoding == "GZIP",
	}, httpdest.WithLogger(p.log), httpdest.WithHTTPClient(p.m.client))
	if err != nil {
		return nil, err
	}
	return &httpDestination{client: c, retryFor: time.Duration(*h.RetrySeconds) * time.Second}, nil
}

// sendHTTP delivers a batch's records in one request, retried for the
// retry duration; when that passes, the records go to the error output as
// http-endpoint-failed. The request id derives from the batch's positions,
// so a replay after a crash sends the id it had.
func (st *stages) sendHTTP(ctx context.Context, o *output) error {
	if len(o.recs) == 0 {
		return nil
	}
	met := st.p.m.met
	name := st.def.Name
	first := strconv.FormatUint(o.span.first, 10)
	if o.span.part > 0 {
		first = "p" + strconv.Itoa(o.span.part) + ":" + first // each part counts its own positions
	}
	id := httpdest.RequestID(name, strconv.Itoa(o.version), first, strconv.FormatUint(o.span.last, 10))
	onRetry := func(e *httpdest.Error) {
		met.deliveryFailures.WithLabelValues(name, DestHTTP).Inc()
		st.p.failed(e)
	}
	err := st.http.client.Deliver(ctx, httpdest.Request{ID: id, Records: o.recs, OnRetry: onRetry}, st.http.retryFor)
	if err == nil {
		met.deliveredObjects.WithLabelValues(name, DestHTTP).Inc()
		met.deliveredRecords.WithLabelValues(name, DestHTTP).Add(float64(len(o.recs)))
		bytes := 0
		for _, r := range o.recs {
			bytes += len(r)
		}
		met.deliveredBytes.WithLabelValues(name, DestHTTP).Add(float64(bytes))
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	met.deliveryFailures.WithLabelValues(name, DestHTTP).Inc()
	st.p.failed(err)
	code, attempts := codeHTTPEndpoint, 1
	var he *httpdest.Error
	if errors.As(err, &he) {
		attempts = he.Attempts
		switch {
		case he.StatusCode == 0:
			code = "HttpEndpoint.ConnectionFailed"
		case he.StatusCode == 200:
			code = "HttpEndpoint.InvalidResponseFromDestination"
		default:
			code = "HttpEndpoint.DestinationException"
		}
	}
	for i, data := range o.recs {
		o.errors = append(o.errors, st.newError(o.recSrc[i], keys.HTTPEndpointFailed, code, err.Error(), attempts, data))
	}
	o.delivered -= len(o.recs)
	return nil
}
