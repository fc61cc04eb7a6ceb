package firehose

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/runtime"
)

// TestAPILimitsAreTheDefinitions checks each limit the delivery package
// says the Firehose API sets: the API takes its minimum and maximum and
// refuses just past them, so a request the API accepts is one a pipeline
// file may hold, and the other way round. A limit with an API field and no
// case here fails the test.
func TestAPILimitsAreTheDefinitions(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:project"
	s3 := func(extra string) string {
		return `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"` + extra + `}}`
	}
	httpDest := func(extra string) string {
		return `{"DeliveryStreamName":"d","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"http://x"},"S3Configuration":{"BucketARN":"arn:aws:s3:::lake"}` + extra + `}}`
	}
	lambda := func(param, value string) string {
		return s3(`,"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"` + fn +
			`"},{"ParameterName":"` + param + `","ParameterValue":"` + value + `"}]}]}`)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	cases := map[string]struct {
		body func(v float64) string
		step float64
	}{
		"delivery stream name": {func(v float64) string {
			return strings.Replace(s3(""), `"d"`, `"`+strings.Repeat("n", int(v))+`"`, 1)
		}, 1},
		"buffering size":                         {func(v float64) string { return s3(`,"BufferingHints":{"SizeInMBs":` + num(v) + `}`) }, 1},
		"buffering size for an HTTP destination": {func(v float64) string { return httpDest(`,"BufferingHints":{"SizeInMBs":` + num(v) + `}`) }, 1},
		"buffering interval":                     {func(v float64) string { return s3(`,"BufferingHints":{"IntervalInSeconds":` + num(v) + `}`) }, 1},
		"processor retries":                      {func(v float64) string { return lambda("NumberOfRetries", num(v)) }, 1},
		"processor batch size":                   {func(v float64) string { return lambda("BufferSizeInMBs", num(v)) }, 0.1},
		"HTTP retry duration":                    {func(v float64) string { return httpDest(`,"RetryOptions":{"DurationInSeconds":` + num(v) + `}`) }, 1},
		"tag key": {func(v float64) string {
			return strings.Replace(s3(""), `{"DeliveryStreamName":"d"`, `{"DeliveryStreamName":"d","Tags":[{"Key":"`+strings.Repeat("k", int(v))+`"}]`, 1)
		}, 1},
		"tag value": {func(v float64) string {
			return strings.Replace(s3(""), `{"DeliveryStreamName":"d"`, `{"DeliveryStreamName":"d","Tags":[{"Key":"k","Value":"`+strings.Repeat("v", int(v))+`"}]`, 1)
		}, 1},
	}
	// translate is what CreateDeliveryStream does with a body: its members
	// checked, then translated.
	translate := func(body []byte) error {
		in := new(createInput)
		if err := awsjson.Decode(body, in); err != nil {
			return err
		}
		if err := check(in); err != nil {
			return err
		}
		_, err := testConfig.Translate(body)
		return err
	}
	for _, l := range delivery.LimitTable(runtime.DefaultMaxMemoryBytes) {
		if l.API == "" || l.Fixed() {
			continue
		}
		t.Run(l.What, func(t *testing.T) {
			c, ok := cases[l.What]
			if !ok {
				t.Fatalf("the limit %q (API %s) has no case in this test", l.What, l.API)
			}
			for _, v := range []float64{l.Min, l.Max} {
				if err := translate([]byte(c.body(v))); err != nil {
					t.Errorf("%s = %v (in range): %v", l.API, v, err)
				}
			}
			for _, v := range []float64{l.Min - c.step, l.Max + c.step} {
				if v < 0 || l.What == "delivery stream name" && v < 1 {
					continue // an empty name is "null", tested elsewhere
				}
				err := translate([]byte(c.body(v)))
				var ae *awsjson.Error
				if !errors.As(err, &ae) || (ae.Type != Validation && ae.Type != InvalidArgument) {
					t.Errorf("%s = %v (out of range): %v, want ValidationException or InvalidArgumentException", l.API, v, err)
					continue
				}
				last := l.API[strings.LastIndex(l.API, ".")+1:]
				if !strings.Contains(ae.Message, last) && !strings.Contains(ae.Message, strings.ToLower(last[:1])+last[1:]) {
					t.Errorf("message %q does not name %s", ae.Message, last)
				}
				bound := l.Max
				if v < l.Min {
					bound = l.Min
				}
				if l.What != "delivery stream name" && !strings.Contains(ae.Message, num(bound)) {
					t.Errorf("message %q does not give the bound %v", ae.Message, bound)
				}
			}
		})
	}
}
