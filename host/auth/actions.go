package auth

import (
	"net/http"
	"slices"
	"strings"

	"github.com/sluice-io/sluice/host/firehose"
	"github.com/sluice-io/sluice/host/kinesis"
	"github.com/sluice-io/sluice/host/rest"
)

// The signing services: the service name of a request's credential scope
// and the prefix of its actions.
const (
	// ServiceKinesis signs the Kinesis API (X-Amz-Target Kinesis_20131202.*).
	ServiceKinesis = "kinesis"
	// ServiceFirehose signs the Firehose API (Firehose_20150804.*).
	ServiceFirehose = "firehose"
	// ServiceSluice signs the native REST API (/v1/...) and /metrics.
	ServiceSluice = "sluice"
)

// AWSPattern is the route of the AWS JSON protocols on the server's mux:
// every POST that no /v1 route takes.
const AWSPattern = "POST /"

// MaxBodilessBytes caps the body of a route that takes none (GET,
// DELETE): it is still read and hashed, as its signature covers it.
const MaxBodilessBytes = 64 << 10

// resourceKind says what an action is done on.
type resourceKind int

const (
	kindAny      resourceKind = iota // no one resource: "*"
	kindStream                       // a data stream
	kindDelivery                     // a delivery stream
	kindModule                       // a transform module
)

// kinesisActions maps every Kinesis operation, the ones Sluice serves and
// the rest of AWS's API, to what it acts on. An operation of a stream's
// consumer acts on its stream.
var kinesisActions = map[string]resourceKind{
	"AddTagsToStream": kindStream, "CreateStream": kindStream, "DecreaseStreamRetentionPeriod": kindStream,
	"DeleteResourcePolicy": kindStream, "DeleteStream": kindStream, "DeregisterStreamConsumer": kindStream,
	"DescribeAccountSettings": kindAny, "DescribeLimits": kindAny, "DescribeStream": kindStream,
	"DescribeStreamConsumer": kindStream, "DescribeStreamSummary": kindStream,
	"DisableEnhancedMonitoring": kindStream, "EnableEnhancedMonitoring": kindStream,
	"GetRecords": kindStream, "GetResourcePolicy": kindStream, "GetShardIterator": kindStream,
	"IncreaseStreamRetentionPeriod": kindStream, "ListShards": kindStream, "ListStreamConsumers": kindStream,
	"ListStreams": kindAny, "ListTagsForResource": kindStream, "ListTagsForStream": kindStream,
	"MergeShards": kindStream, "PutRecord": kindStream, "PutRecords": kindStream,
	"PutResourcePolicy": kindStream, "RegisterStreamConsumer": kindStream, "RemoveTagsFromStream": kindStream,
	"SplitShard": kindStream, "StartStreamEncryption": kindStream, "StopStreamEncryption": kindStream,
	"SubscribeToShard": kindStream, "TagResource": kindStream, "UntagResource": kindStream,
	"UpdateAccountSettings": kindAny, "UpdateMaxRecordSize": kindStream, "UpdateShardCount": kindStream,
	"UpdateStreamMode": kindStream,
}

// firehoseActions maps every Firehose operation to what it acts on.
var firehoseActions = map[string]resourceKind{
	"CreateDeliveryStream": kindDelivery, "DeleteDeliveryStream": kindDelivery,
	"DescribeDeliveryStream": kindDelivery, "ListDeliveryStreams": kindAny,
	"ListTagsForDeliveryStream": kindDelivery, "PutRecord": kindDelivery, "PutRecordBatch": kindDelivery,
	"StartDeliveryStreamEncryption": kindDelivery, "StopDeliveryStreamEncryption": kindDelivery,
	"TagDeliveryStream": kindDelivery, "UntagDeliveryStream": kindDelivery, "UpdateDestination": kindDelivery,
}

// restRoute is what a native REST route does: its action, what it acts
// on, the path wildcard naming that, and its body limit.
type restRoute struct {
	action  string
	kind    resourceKind
	param   string
	maxBody func(*Config) int64
}

func fixed(n int64) func(*Config) int64 { return func(*Config) int64 { return n } }

// restRoutes maps every route of host/rest, by the pattern it is
// registered with, to its action. A test checks that every registered
// route is here.
var restRoutes = map[string]restRoute{
	"POST /v1/modules/{name}":                      {"sluice:PushModule", kindModule, "name", func(c *Config) int64 { return c.ModuleMaxBytes }},
	"GET /v1/modules":                              {"sluice:ListModules", kindAny, "", fixed(MaxBodilessBytes)},
	"GET /v1/modules/{name}":                       {"sluice:DescribeModule", kindModule, "name", fixed(MaxBodilessBytes)},
	"DELETE /v1/modules/{name}":                    {"sluice:DeleteModule", kindModule, "name", fixed(MaxBodilessBytes)},
	"DELETE /v1/modules/{name}/versions/{version}": {"sluice:DeleteModule", kindModule, "name", fixed(MaxBodilessBytes)},
	"POST /v1/modules/{ref}/invoke":                {"sluice:InvokeModule", kindModule, "ref", fixed(rest.DefaultMaxEventBytes)},
	"PUT /v1/delivery-streams/{name}":              {"sluice:ApplyDeliveryStream", kindDelivery, "name", fixed(rest.MaxDefinitionBytes)},
	"GET /v1/delivery-streams":                     {"sluice:ListDeliveryStreams", kindAny, "", fixed(MaxBodilessBytes)},
	"GET /v1/delivery-streams/{name}":              {"sluice:DescribeDeliveryStream", kindDelivery, "name", fixed(MaxBodilessBytes)},
	"DELETE /v1/delivery-streams/{name}":           {"sluice:DeleteDeliveryStream", kindDelivery, "name", fixed(MaxBodilessBytes)},
	"PUT /v1/streams/{name}/mode":                  {"sluice:UpdateStreamMode", kindStream, "name", fixed(rest.MaxStreamModeBytes)},
	"GET /v1/cluster":                              {"sluice:DescribeCluster", kindAny, "", fixed(MaxBodilessBytes)},
	// The mirror's name is in the body (and may be the default one):
	// creating one is an action on "*".
	"POST /v1/mirrors":       {"sluice:CreateMirror", kindAny, "", fixed(rest.MaxMirrorRequestBytes)},
	"GET /v1/mirrors/{name}": {"sluice:DescribeMirror", kindStream, "name", fixed(MaxBodilessBytes)},
}

// ActionGetMetrics is the action of GET /metrics.
const ActionGetMetrics = "sluice:GetMetrics"

// ActionReadSource is the action a delivery stream's creator needs on a
// data stream it reads: the delivery stream reads it for them.
const ActionReadSource = "kinesis:GetRecords"

// Actions lists every action a grant can name, sorted.
func Actions() []string {
	var out []string
	for op := range kinesisActions {
		out = append(out, ServiceKinesis+":"+op)
	}
	for op := range firehoseActions {
		out = append(out, ServiceFirehose+":"+op)
	}
	for _, r := range restRoutes {
		out = append(out, r.action)
	}
	out = append(out, ActionGetMetrics)
	slices.Sort(out)
	return slices.Compact(out)
}

// matchesAnyAction reports whether an action pattern matches at least one
// action, so a misspelt grant is refused at load.
func matchesAnyAction(pattern string) bool {
	p := strings.ToLower(pattern)
	for _, a := range Actions() {
		if glob(p, strings.ToLower(a)) {
			return true
		}
	}
	return false
}

// awsTarget is the signing service and action of an X-Amz-Target, and
// what it acts on; ok is false for a target Sluice does not know.
func awsTarget(target string) (service, action string, kind resourceKind, ok bool) {
	prefix, op, _ := strings.Cut(target, ".")
	switch prefix {
	case kinesis.TargetPrefix:
		kind, ok = kinesisActions[op]
		return ServiceKinesis, ServiceKinesis + ":" + op, kind, ok
	case firehose.TargetPrefix:
		kind, ok = firehoseActions[op]
		return ServiceFirehose, ServiceFirehose + ":" + op, kind, ok
	}
	return "", "", kindAny, false
}

// bodyLimit is the most a route's body may hold.
func (c *Config) bodyLimit(pattern string) int64 {
	if pattern == AWSPattern {
		return kinesis.MaxRequestBytes
	}
	if r, ok := restRoutes[pattern]; ok {
		return r.maxBody(c)
	}
	return MaxBodilessBytes
}

// pathParam is the value of the wildcard {name} of pattern in r's path,
// unescaped as http.ServeMux unescapes it (segment by segment of the
// escaped path).
func pathParam(pattern string, r *http.Request, name string) (string, bool) {
	_, pat, _ := strings.Cut(pattern, " ")
	ps := strings.Split(strings.TrimPrefix(pat, "/"), "/")
	ss := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if len(ps) != len(ss) {
		return "", false
	}
	for i, p := range ps {
		if p == "{"+name+"}" {
			v, err := urlPathUnescape(ss[i])
			return v, err == nil
		}
	}
	return "", false
}
