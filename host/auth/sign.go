package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/kinesis"
)

// Sign signs r, whose whole body is body, for service in region at t with
// the SDK's signer, as an AWS SDK signs a request: the CLI signs its
// native REST calls with it (service ServiceSluice). Anonymous
// credentials (no access key id) leave r unsigned.
func Sign(ctx context.Context, r *http.Request, body []byte, creds aws.Credentials, service, region string, t time.Time) error {
	if creds.AccessKeyID == "" {
		return nil
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), service, region, t)
}

// Operation is one thing a request can do: its action, and the
// X-Amz-Target (AWS JSON protocols) or route pattern (native REST API,
// /metrics) that does it.
type Operation struct {
	Action string
	Target string
	Route  string
}

// Operations lists every operation host/auth knows an action for: the
// Kinesis and Firehose APIs (all of AWS's operations, whether Sluice
// serves them or not), every native REST route, and GET /metrics.
func Operations() []Operation {
	var out []Operation
	for op := range kinesisActions {
		out = append(out, Operation{Action: ServiceKinesis + ":" + op, Target: kinesis.TargetPrefix + "." + op})
	}
	for op := range firehoseActions {
		out = append(out, Operation{Action: ServiceFirehose + ":" + op, Target: firehose.TargetPrefix + "." + op})
	}
	for pattern, r := range restRoutes {
		out = append(out, Operation{Action: r.action, Route: pattern})
	}
	out = append(out, Operation{Action: ActionGetMetrics, Route: "GET /metrics"})
	return out
}
