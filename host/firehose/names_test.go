package firehose

import (
	"testing"

	"github.com/sluice-io/sluice/internal/awstest"
)

// TestDottedNames sends names AWS allows with '.' first or last, or "..":
// FuzzFirehose found them answered with 500 when host/delivery used them
// as KV key tokens as they are. They now work on every operation.
func TestDottedNames(t *testing.T) {
	env := newFuzzEnv(t)
	for _, name := range []string{".0", "a.", "a..b", ".", "a.b"} {
		for _, c := range []struct {
			op, body string
			status   int
			want     string
		}{
			{"DescribeDeliveryStream", `{"DeliveryStreamName":"` + name + `"}`, 400, ResourceNotFound},
			{"CreateDeliveryStream", `{"DeliveryStreamName":"` + name + `","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, 200, ""},
			{"DescribeDeliveryStream", `{"DeliveryStreamName":"` + name + `"}`, 200, ""},
			{"PutRecord", `{"DeliveryStreamName":"` + name + `","Record":{"Data":"eA=="}}`, 200, ""},
			{"PutRecordBatch", `{"DeliveryStreamName":"` + name + `","Records":[{"Data":"eA=="}]}`, 200, ""},
			{"DeleteDeliveryStream", `{"DeliveryStreamName":"` + name + `"}`, 200, ""},
			{"DescribeDeliveryStream", `{"DeliveryStreamName":"` + name + `"}`, 400, ResourceNotFound},
		} {
			status, out := awstest.Call(env.mux, TargetPrefix+"."+c.op, []byte(c.body))
			if status != c.status {
				t.Errorf("%s %q: %d %s, want %d", c.op, name, status, out, c.status)
				continue
			}
			if c.want != "" {
				if typ := awstest.CheckAnswer(t, status, out, firehoseTypes); typ != c.want {
					t.Errorf("%s %q: %d %s, want %s", c.op, name, status, out, c.want)
				}
			}
		}
	}
}
