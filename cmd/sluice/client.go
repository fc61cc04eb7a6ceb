package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// kinesisClient is an AWS SDK Kinesis client pointed at the Sluice server,
// signing with the client's credentials (see awsCredentials).
func (c *cli) kinesisClient() *kinesis.Client {
	return kinesis.New(kinesis.Options{
		BaseEndpoint: aws.String(c.endpoint),
		Region:       c.region,
		Credentials:  c.awsCredentials(),
		Retryer:      retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 }),
		HTTPClient:   c.sdkHTTPClient(),
	})
}

// apiErr turns an SDK error into one line a person reads: the AWS exception
// name and message, or a hint when the server is not there.
func apiErr(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return refusal(ae.ErrorCode(), ae.ErrorMessage())
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if u := unreachable(err); u != nil {
		return u
	}
	return fmt.Errorf("%w (is 'sluice serve' running at --endpoint?)", err)
}

// unreachable says plainly that the server could not be reached, when err
// is a failure to connect (or nil when it is not): the SDK's error around
// it ("operation error Kinesis: ListStreams, exceeded maximum number of
// attempts, 3, https response error StatusCode: 0, ...") says nothing more
// to a person.
func unreachable(err error) error {
	var ue *url.Error
	var oe *net.OpError
	if !errors.As(err, &ue) || !errors.As(err, &oe) || oe.Op != "dial" {
		return nil
	}
	server := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil {
		server = u.Scheme + "://" + u.Host
	}
	var why string
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "connection refused"
	case errors.As(err, &dns):
		why = "cannot resolve " + dns.Name
	case oe.Timeout():
		why = "timed out"
	default:
		why = oe.Err.Error()
	}
	return fmt.Errorf("cannot reach the server at %s (%s): is 'sluice serve' running?", server, why)
}

// listShards returns every shard of a stream, following ListShards' NextToken
// (the SDK has no paginator for it).
func listShards(ctx context.Context, kc *kinesis.Client, stream string) ([]types.Shard, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		page, err := kc.ListShards(ctx, in)
		if err != nil {
			return nil, apiErr(err)
		}
		shards = append(shards, page.Shards...)
		if page.NextToken == nil {
			return shards, nil
		}
		in = &kinesis.ListShardsInput{NextToken: page.NextToken}
	}
}
