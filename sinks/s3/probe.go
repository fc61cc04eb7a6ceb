package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-io/sluice/sinks"
)

// Probe asks the server whether the bucket exists and the credentials may
// use it, with one HeadBucket: it writes nothing. HeadBucket needs
// s3:ListBucket, which is in the policy Firehose documents for an S3
// destination, so credentials fit for Firehose pass it.
//
// A failure is a *sinks.ProbeError. It is Permanent when the server
// answered with a status retrying cannot change: 404 (no such bucket; also
// versitygw's answer to an unknown access key), 403 (access denied, a bad
// signature), another 4xx but 408 and 429, or a redirect (the bucket is in
// another region). No answer (the network or the server is down, a
// timeout, missing default credentials), a 5xx, 408 or 429 is not
// permanent. HeadBucket's answers have no body, so the status is all there
// is to go by.
func (s *Store) Probe(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.cfg.Bucket)})
	if err == nil {
		return nil
	}
	pe := &sinks.ProbeError{Dest: s.String(), Err: err}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		pe.Err = &answer{netErr.Error(), err}
	}
	var resp interface{ HTTPStatusCode() int }
	if ctx.Err() != nil || !errors.As(err, &resp) || resp.HTTPStatusCode() == 0 {
		return pe
	}
	code := resp.HTTPStatusCode()
	pe.Err = &answer{fmt.Sprintf("HeadBucket answered HTTP %d %s", code, http.StatusText(code)), err}
	switch {
	case code == http.StatusNotFound:
		pe.Permanent = true
		pe.Err = &answer{fmt.Sprintf("bucket %s does not exist, or the access key is unknown (HTTP 404)", s.cfg.Bucket), err}
	case code == http.StatusForbidden:
		pe.Permanent = true
		pe.Err = &answer{fmt.Sprintf("access to bucket %s denied: check the access key, the secret and that they may list and write the bucket (HTTP 403)", s.cfg.Bucket), err}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
	case code >= 400:
		pe.Permanent = true
	case code >= 300:
		pe.Permanent = true
		pe.Err = &answer{fmt.Sprintf("HeadBucket answered HTTP %d: bucket %s is in another region or behind another endpoint", code, s.cfg.Bucket), err}
	}
	return pe
}

// answer is the server's answer to a probe, said in words; the SDK's error
// (with request ids a person does not need) is kept for errors.As.
type answer struct {
	msg string
	err error
}

func (a *answer) Error() string { return a.msg }
func (a *answer) Unwrap() error { return a.err }
