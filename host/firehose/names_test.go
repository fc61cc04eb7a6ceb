package firehose

import (
	"testing"

	"github.com/sluice-io/sluice/internal/awstest"
)

// TestNamesTheStoreCannotKey sends names AWS allows but host/delivery
// cannot key ('.' first or last, or ".."): found by FuzzFirehose as 500s.
func TestNamesTheStoreCannotKey(t *testing.T) {
	env := newFuzzEnv(t)
	for _, name := range []string{".0", "a.", "a..b", "."} {
		for _, c := range []struct{ op, body, want string }{
			{"CreateDeliveryStream", `{"DeliveryStreamName":"` + name + `","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument},
			{"DescribeDeliveryStream", `{"DeliveryStreamName":"` + name + `"}`, ResourceNotFound},
			{"DeleteDeliveryStream", `{"DeliveryStreamName":"` + name + `"}`, ResourceNotFound},
			{"PutRecord", `{"DeliveryStreamName":"` + name + `","Record":{"Data":"eA=="}}`, ResourceNotFound},
			{"PutRecordBatch", `{"DeliveryStreamName":"` + name + `","Records":[{"Data":"eA=="}]}`, ResourceNotFound},
		} {
			status, out := awstest.Call(env.mux, TargetPrefix+"."+c.op, []byte(c.body))
			if typ := awstest.CheckAnswer(t, status, out, firehoseTypes); typ != c.want {
				t.Errorf("%s %q: %d %s, want %s", c.op, name, status, out, c.want)
			}
		}
	}
	// Names with dots inside are fine.
	if status, out := awstest.Call(env.mux, TargetPrefix+".CreateDeliveryStream", []byte(`{"DeliveryStreamName":"a.b","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`)); status != 200 {
		t.Fatalf("a.b: %d %s", status, out)
	}
}
