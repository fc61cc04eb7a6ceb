package kinesis

import "github.com/sluice-io/sluice/host/awsjson"

// notServed are the Kinesis operations of AWS's API that Sluice does not
// serve, with the reason a caller is given (see the README's API section).
var notServed = map[string]string{
	"PutResourcePolicy":                      "resource policies are not evaluated here; permissions are set per key in the credentials file (--credentials)",
	"GetResourcePolicy":                      "resource policies are not evaluated here; permissions are set per key in the credentials file (--credentials)",
	"DeleteResourcePolicy":                   "resource policies are not evaluated here; permissions are set per key in the credentials file (--credentials)",
	"DescribeAccountSettings":                "account settings are AWS billing commitments; a Sluice server has none",
	"UpdateAccountSettings":                  "account settings are AWS billing commitments; a Sluice server has none",
	"UpdateStreamWarmThroughput":             "warm throughput is capacity bought ahead on AWS; a Sluice stream has no throughput limit unless --shard-limits is set",
	"UpdateStreamRecordDistributionStrategy": "records go to the shard whose hash key range holds the MD5 of their partition key (or their ExplicitHashKey), as the default strategy on AWS",
	"CreateChannel":                          "channels deliver to S3 Tables and S3 on AWS; use a delivery stream reading the data stream (KinesisStreamAsSource or a pipeline file)",
	"DeleteChannel":                          "channels deliver to S3 Tables and S3 on AWS; use a delivery stream reading the data stream (KinesisStreamAsSource or a pipeline file)",
	"DescribeChannel":                        "channels deliver to S3 Tables and S3 on AWS; use a delivery stream reading the data stream (KinesisStreamAsSource or a pipeline file)",
	"ListChannels":                           "channels deliver to S3 Tables and S3 on AWS; use a delivery stream reading the data stream (KinesisStreamAsSource or a pipeline file)",
	"UpdateChannel":                          "channels deliver to S3 Tables and S3 on AWS; use a delivery stream reading the data stream (KinesisStreamAsSource or a pipeline file)",
}

// registerNotServed names the operations Sluice does not serve on m.
func registerNotServed(m *awsjson.Mux) {
	for op, why := range notServed {
		m.NotServed(TargetPrefix, op, why)
	}
}
