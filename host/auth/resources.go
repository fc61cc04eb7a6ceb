package auth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/kinesis"
	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/host/streams"
)

func urlPathUnescape(s string) (string, error) { return url.PathUnescape(s) }

// check is one permission a request needs.
type check struct {
	action string
	res    Resource
}

// arns builds the ARNs of the server's resources.
type arns struct{ region, account string }

func (a arns) resource(kind resourceKind, name string) Resource {
	switch kind {
	case kindStream:
		return Resource{ARN: "arn:aws:kinesis:" + a.region + ":" + a.account + ":stream/" + name, Name: name}
	case kindDelivery:
		return Resource{ARN: "arn:aws:firehose:" + a.region + ":" + a.account + ":deliverystream/" + name, Name: name}
	case kindModule:
		return Resource{ARN: "arn:aws:lambda:" + a.region + ":" + a.account + ":function:" + name, Name: name}
	}
	return anyResource
}

// awsNames are the fields of an AWS request that name what it acts on.
// It is decoded by the request's protocol exactly as the operations decode
// their input (awsjson.Protocol.Decode), so both read the same names: in
// JSON, field names match without regard to case and the last of two
// wins; in CBOR, names match exactly and a key twice is refused.
type awsNames struct {
	StreamName                       string
	StreamARN                        string
	ShardIterator                    string
	NextToken                        string
	ConsumerARN                      string
	ResourceARN                      string
	DeliveryStreamName               string
	KinesisStreamSourceConfiguration *struct{ KinesisStreamARN string }
	// Tags, given to CreateStream or CreateDeliveryStream, need the
	// tagging action too, as on AWS.
	Tags json.RawMessage
}

// Tagging on create: AWS checks kinesis:AddTagsToStream on the new stream
// (not kinesis:TagResource) and firehose:TagDeliveryStream on the new
// delivery stream when a create carries tags.
const (
	actionTagStream   = ServiceKinesis + ":AddTagsToStream"
	actionTagDelivery = ServiceFirehose + ":TagDeliveryStream"
)

// streamOfARN is the stream name an ARN names, as the Kinesis API reads
// StreamARN (everything after ":stream/"), or the stream of a consumer ARN
// (.../stream/NAME/consumer/...); a ResourceARN may be either.
func streamOfARN(arn string, consumer bool) string {
	const marker = ":stream/"
	i := strings.Index(arn, marker)
	if i < 0 {
		return ""
	}
	name := arn[i+len(marker):]
	if consumer {
		name, _, _ = strings.Cut(name, "/")
	}
	return name
}

// awsChecks are the permissions an AWS request in protocol p needs: its
// action on every resource its body names. A body that does not decode,
// or names nothing, needs the action on "*" (the operation refuses it
// anyway).
func (a arns) awsChecks(action, op string, kind resourceKind, p awsjson.Protocol, body []byte) []check {
	if kind == kindAny {
		return []check{{action, anyResource}}
	}
	var in awsNames
	if err := p.Decode(body, &in); err != nil {
		return []check{{action, anyResource}}
	}
	var names []string
	add := func(n string) {
		if n != "" && !contains(names, n) {
			names = append(names, n)
		}
	}
	var extra []check
	switch kind {
	case kindStream:
		add(in.StreamName)
		add(streamOfARN(in.StreamARN, false))
		add(streamOfARN(in.ConsumerARN, true))
		add(streamOfARN(in.ResourceARN, true))
		if op == "GetRecords" && in.ShardIterator != "" {
			if s, err := streams.IteratorStream(in.ShardIterator); err == nil {
				add(s)
			}
		}
		if op == "ListShards" && in.NextToken != "" {
			if s, err := kinesis.ShardsTokenStream(in.NextToken); err == nil {
				add(s)
			}
		}
		if op == "CreateStream" && hasTags(in.Tags) && in.StreamName != "" {
			extra = append(extra, check{actionTagStream, a.resource(kindStream, in.StreamName)})
		}
	case kindDelivery:
		add(in.DeliveryStreamName)
		if op == "CreateDeliveryStream" && hasTags(in.Tags) && in.DeliveryStreamName != "" {
			extra = append(extra, check{actionTagDelivery, a.resource(kindDelivery, in.DeliveryStreamName)})
		}
		if op == "CreateDeliveryStream" && in.KinesisStreamSourceConfiguration != nil {
			if s := streamOfARN(in.KinesisStreamSourceConfiguration.KinesisStreamARN, false); s != "" {
				extra = append(extra, check{ActionReadSource, a.resource(kindStream, s)})
			}
		}
	}
	if len(names) == 0 {
		return append([]check{{action, anyResource}}, extra...)
	}
	out := make([]check, 0, len(names)+len(extra))
	for _, n := range names {
		out = append(out, check{action, a.resource(kind, n)})
	}
	return append(out, extra...)
}

// definitionSource is the part of a delivery stream definition (PUT
// /v1/delivery-streams/{name}) that names a data stream it reads.
type definitionSource struct {
	Source struct {
		Stream string `json:"stream"`
	} `json:"source"`
}

// restChecks are the permissions a native REST request needs.
func (a arns) restChecks(pattern string, route restRoute, r *http.Request, body []byte) []check {
	if route.kind == kindAny {
		return []check{{route.action, anyResource}}
	}
	name, ok := pathParam(pattern, r, route.param)
	if !ok || name == "" {
		return []check{{route.action, anyResource}}
	}
	if route.kind == kindModule {
		if n, _, err := modules.ParseRef(name); err == nil {
			name = n
		}
	}
	out := []check{{route.action, a.resource(route.kind, name)}}
	if pattern == "PUT /v1/delivery-streams/{name}" {
		var def definitionSource
		if err := json.Unmarshal(body, &def); err != nil {
			return append(out, check{ActionReadSource, anyResource})
		}
		if def.Source.Stream != "" {
			out = append(out, check{ActionReadSource, a.resource(kindStream, def.Source.Stream)})
		}
	}
	return out
}

// hasTags reports whether a Tags member holds any tag (a map or a list).
func hasTags(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != "{}" && s != "[]"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ARNs names a server's resources for [Key.Allowed], as the guard does:
// what a caller that authorizes by itself (the web console) checks a key
// against.
type ARNs struct{ a arns }

// NewARNs names the resources of a server in region and account.
func NewARNs(region, account string) ARNs { return ARNs{arns{region: region, account: account}} }

// Stream is the data stream name.
func (x ARNs) Stream(name string) Resource { return x.a.resource(kindStream, name) }

// DeliveryStream is the delivery stream name.
func (x ARNs) DeliveryStream(name string) Resource { return x.a.resource(kindDelivery, name) }

// Module is the module name.
func (x ARNs) Module(name string) Resource { return x.a.resource(kindModule, name) }

// Any is the resource of list operations ("*").
func (ARNs) Any() Resource { return anyResource }
