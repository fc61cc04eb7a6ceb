package firehose

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

// TestDescribeShapes checks how definitions a pipeline file can make (and
// the API cannot) are described in AWS shape.
func TestDescribeShapes(t *testing.T) {
	retries := 2
	cases := []struct {
		name string
		def  delivery.Definition
		want []string
	}{
		{"parquet with processor and partitions", delivery.Definition{
			Name: "p", Version: 3,
			Source:    delivery.Source{Kind: delivery.SourceDataStream, Stream: "sensors"},
			Processor: &delivery.Processor{Module: "project@2", Retries: &retries},
			Format:    format.Spec{Type: format.Parquet, Compression: format.Zstd},
			Destination: delivery.Destination{Kind: delivery.DestS3, S3: &delivery.S3Dest{Bucket: "lake"},
				Prefix: "site=!{partitionKeyFromQuery:site}/", PartitionQueries: map[string]string{"site": ".site"}},
			Backup: &delivery.Backup{Prefix: "raw/"},
		}, []string{
			`"VersionId":"3"`, `"DeliveryStreamType":"KinesisStreamAsSource"`,
			`"KinesisStreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/sensors"`,
			`"BucketARN":"arn:aws:s3:::lake"`, `"CompressionFormat":"UNCOMPRESSED"`,
			`"ParquetSerDe":{"Compression":"ZSTD"}`, `"DynamicPartitioningConfiguration":{"Enabled":true}`,
			`"ParameterValue":"arn:aws:lambda:us-east-1:123456789012:function:project:2"`,
			`"ParameterName":"NumberOfRetries","ParameterValue":"2"`,
			`"ParameterValue":"{\"site\": .site}"`, `"S3BackupMode":"Enabled"`, `"Prefix":"raw/"`,
			`"BufferingHints":{"SizeInMBs":5,"IntervalInSeconds":60}`,
		}},
		{"http endpoint", delivery.Definition{
			Name:   "h",
			Source: delivery.Source{Kind: delivery.SourceDirectPut},
			Format: format.Spec{Type: format.JSONLines},
			Destination: delivery.Destination{Kind: delivery.DestHTTP, HTTP: &delivery.HTTPDest{
				URL: "http://c/in", AccessKey: "secret-key", CommonAttributes: map[string]string{"b": "2", "a": "1"},
				ErrorStore: &delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "/data/buckets/failed"}},
			}},
		}, []string{
			`"DirectPutSourceDescription":{}`, `"Url":"http://c/in"`, `"S3BackupMode":"FailedDataOnly"`,
			`"CommonAttributes":[{"AttributeName":"a","AttributeValue":"1"},{"AttributeName":"b","AttributeValue":"2"}]`,
			`"RetryOptions":{"DurationInSeconds":300}`, `"BucketARN":"arn:aws:s3:::failed"`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(testConfig.describe(&c.def, "ACTIVE"))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("description lacks %s:\n%s", w, b)
				}
			}
			if strings.Contains(string(b), "secret-key") {
				t.Errorf("description shows the access key:\n%s", b)
			}
		})
	}
}

// TestMetadataQueryRoundTrip checks that partition queries described as a
// MetadataExtractionQuery read back as they were.
func TestMetadataQueryRoundTrip(t *testing.T) {
	q := map[string]string{"site": ".sensor.site", "day": `.ts | .[0:10]`}
	out := testConfig.describeProcessing(nil, nil, q)
	params := map[string]string{}
	for _, p := range out.Processors[0].Parameters {
		params[p.ParameterName] = p.ParameterValue
	}
	back, err := metadataQueries(params, "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back["site"] != ".sensor.site" || back["day"] != q["day"] {
		t.Fatalf("round trip %v, want %v", back, q)
	}
}
