package auth

import (
	"fmt"
	"testing"

	"github.com/sluice-io/sluice/host/awsjson"
)

// TestAWSChecks: the permissions a request needs are its action on what
// it names, a consumer's or a ResourceARN's stream, and the tagging action
// when a create carries tags, as AWS checks them.
func TestAWSChecks(t *testing.T) {
	a := arns{region: "us-east-1", account: "000000000000"}
	stream := func(n string) string { return "arn:aws:kinesis:us-east-1:000000000000:stream/" + n }
	delivery := func(n string) string { return "arn:aws:firehose:us-east-1:000000000000:deliverystream/" + n }
	for _, c := range []struct {
		op, body string
		kind     resourceKind
		want     string
	}{
		{"TagResource", `{"ResourceARN":"` + stream("s1") + `","Tags":{"a":"b"}}`, kindStream,
			"[kinesis:TagResource " + stream("s1") + "]"},
		{"TagResource", `{"ResourceARN":"` + stream("s1") + `/consumer/app:1700000000"}`, kindStream,
			"[kinesis:TagResource " + stream("s1") + "]"},
		{"ListTagsForResource", `{"ResourceARN":"` + stream("s2") + `/consumer/app:1"}`, kindStream,
			"[kinesis:ListTagsForResource " + stream("s2") + "]"},
		{"CreateStream", `{"StreamName":"s3","Tags":{"team":"a"}}`, kindStream,
			"[kinesis:CreateStream " + stream("s3") + " kinesis:AddTagsToStream " + stream("s3") + "]"},
		{"CreateStream", `{"StreamName":"s3","Tags":{}}`, kindStream,
			"[kinesis:CreateStream " + stream("s3") + "]"},
		{"CreateDeliveryStream", `{"DeliveryStreamName":"d1","Tags":[{"Key":"a"}]}`, kindDelivery,
			"[firehose:CreateDeliveryStream " + delivery("d1") + " firehose:TagDeliveryStream " + delivery("d1") + "]"},
		{"CreateDeliveryStream", `{"DeliveryStreamName":"d1"}`, kindDelivery,
			"[firehose:CreateDeliveryStream " + delivery("d1") + "]"},
		{"UpdateDestination", `{"DeliveryStreamName":"d2"}`, kindDelivery,
			"[firehose:UpdateDestination " + delivery("d2") + "]"},
	} {
		service := ServiceKinesis
		if c.kind == kindDelivery {
			service = ServiceFirehose
		}
		var got []string
		for _, ch := range a.awsChecks(service+":"+c.op, c.op, c.kind, awsjson.JSON, []byte(c.body)) {
			got = append(got, ch.action+" "+ch.res.ARN)
		}
		if s := fmt.Sprint(got); s != c.want {
			t.Errorf("%s %s: checks %s, want %s", c.op, c.body, s, c.want)
		}
	}
}
