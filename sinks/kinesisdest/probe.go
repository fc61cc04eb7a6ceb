package kinesisdest

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/sluice-io/sluice/sinks"
)

// permanentProbeCodes are answers to a describe call that no later attempt
// (and no put) can change without a change of configuration: the stream
// does not exist, or the key is unknown or its signature wrong.
// AccessDenied is not among them: a key may be allowed to put records but
// not to describe the stream (the usual producer policy grants
// kinesis:PutRecords or firehose:PutRecordBatch only).
var permanentProbeCodes = map[string]bool{
	"ResourceNotFoundException": true, "UnrecognizedClientException": true,
	"InvalidSignatureException": true, "IncompleteSignature": true, "MissingAuthenticationToken": true,
	"InvalidClientTokenId": true, "ExpiredTokenException": true, "SignatureDoesNotMatch": true,
}

// Probe asks whether the stream exists, with DescribeStreamSummary
// (Kinesis) or DescribeDeliveryStream (Firehose): it puts nothing.
//
// A failure is a *sinks.ProbeError. It is Permanent only when the
// destination answered that the stream does not exist or that it does not
// know the key (ResourceNotFoundException, UnrecognizedClientException,
// InvalidSignatureException...). No answer, a server error, throttling and
// AccessDeniedException (the key may put without being allowed to
// describe) are not permanent.
func (c *Client) Probe(ctx context.Context) error {
	var err error
	if c.cfg.Kind == Firehose {
		_, err = c.firehose.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(c.name)})
	} else {
		_, err = c.kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(c.name)})
	}
	if err == nil {
		return nil
	}
	pe := &sinks.ProbeError{Dest: c.String(), Err: err}
	var api smithy.APIError
	if ctx.Err() == nil && errors.As(err, &api) && permanentProbeCodes[api.ErrorCode()] {
		pe.Permanent = true
		pe.Err = fmt.Errorf("%s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	return pe
}
