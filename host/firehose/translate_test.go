package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

const (
	role    = "arn:aws:iam::123456789012:role/firehose"
	region  = "us-east-1"
	account = "123456789012"
)

// testConfig keeps bucket B in the folder /data/buckets/B; the bucket
// "refused" has no store.
var testConfig = Config{Region: region, AccountID: account, ObjectStore: func(bucket string) (delivery.Destination, error) {
	if bucket == "refused" {
		return delivery.Destination{}, errors.New("bucket refused has no store")
	}
	return delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "/data/buckets/" + bucket}}, nil
}}

// translator serves CreateDeliveryStream on a real awsjson.Mux over real
// HTTP, answering with what Config.Translate made of the request: the
// translation layer alone, no delivery engine behind it.
type translator struct {
	srv    *httptest.Server
	client *awsfirehose.Client
	mu     sync.Mutex
	last   delivery.Definition
}

func newTranslator(t *testing.T) *translator {
	tr := &translator{}
	mux := awsjson.NewMux(nil)
	mux.Handle(TargetPrefix, "CreateDeliveryStream", awsjson.HandlerFunc(func(_ context.Context, body []byte) (any, error) {
		def, err := testConfig.Translate(body)
		if err != nil {
			return nil, err
		}
		tr.mu.Lock()
		tr.last = def
		tr.mu.Unlock()
		return createOutput{DeliveryStreamARN: testConfig.ARN(def.Name)}, nil
	}))
	tr.srv = httptest.NewServer(mux)
	t.Cleanup(tr.srv.Close)
	tr.client = awsfirehose.New(awsfirehose.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint:     aws.String(tr.srv.URL),
		RetryMaxAttempts: 1,
	})
	return tr
}

// raw posts a JSON body and returns the status and the error type ("" on success).
func (tr *translator) raw(t *testing.T, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, tr.srv.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", TargetPrefix+".CreateDeliveryStream")
	req.Header.Set("Content-Type", awsjson.ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Type, e.Message
}

func intp(n int) *int { return &n }

func folder(bucket, prefix, errPrefix string) delivery.Destination {
	return delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: "/data/buckets/" + bucket}, Prefix: prefix, ErrorPrefix: errPrefix}
}

func TestTranslateWithTheSDK(t *testing.T) {
	tr := newTranslator(t)
	lambda := func(params ...string) types.Processor {
		p := types.Processor{Type: types.ProcessorTypeLambda}
		for i := 0; i < len(params); i += 2 {
			p.Parameters = append(p.Parameters, types.ProcessorParameter{ParameterName: types.ProcessorParameterName(params[i]), ParameterValue: aws.String(params[i+1])})
		}
		return p
	}
	cases := []struct {
		name string
		in   awsfirehose.CreateDeliveryStreamInput
		want delivery.Definition
	}{
		{
			name: "minimal direct put to S3",
			in: awsfirehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("d1"),
				ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
					BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String("arn:aws:iam::123456789012:role/x"),
				},
			},
			want: delivery.Definition{
				Name: "d1", Source: delivery.Source{Kind: delivery.SourceDirectPut},
				Buffering:   delivery.Buffering{IntervalSeconds: intp(300)},
				Format:      format.Spec{Type: format.JSONLines, Compression: format.None},
				Destination: folder("lake", "", ""),
			},
		},
		{
			name: "data stream, Lambda, gzip, partitioning, backup",
			in: awsfirehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("d2"),
				DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource,
				KinesisStreamSourceConfiguration: &types.KinesisStreamSourceConfiguration{
					KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/sensors"), RoleARN: aws.String("r"),
				},
				ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
					BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role),
					Prefix:            aws.String("site=!{partitionKeyFromQuery:site}/"),
					ErrorOutputPrefix: aws.String("err/!{firehose:error-output-type}/"),
					BufferingHints:    &types.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(0)},
					CompressionFormat: types.CompressionFormatGzip,
					DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{
						Enabled: aws.Bool(true), RetryOptions: &types.RetryOptions{DurationInSeconds: aws.Int32(300)},
					},
					ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{
						lambda("LambdaArn", "arn:aws:lambda:us-east-1:123456789012:function:project:3", "NumberOfRetries", "5", "BufferSizeInMBs", "0.5", "BufferIntervalInSeconds", "60"),
						{Type: types.ProcessorTypeMetadataExtraction, Parameters: []types.ProcessorParameter{
							{ParameterName: "MetadataExtractionQuery", ParameterValue: aws.String(`{site: .sensor.site, "day": .ts | .[0:10]}`)},
							{ParameterName: "JsonParsingEngine", ParameterValue: aws.String("JQ-1.6")},
						}},
						{Type: types.ProcessorTypeAppendDelimiterToRecord},
					}},
					S3BackupMode:          types.S3BackupModeEnabled,
					S3BackupConfiguration: &types.S3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role), Prefix: aws.String("raw/")},
				},
			},
			want: delivery.Definition{
				Name:      "d2",
				Source:    delivery.Source{Kind: delivery.SourceDataStream, Stream: "sensors"},
				Buffering: delivery.Buffering{SizeMiB: 64, IntervalSeconds: intp(0)},
				Processor: &delivery.Processor{Module: "project@3", Retries: intp(5), BatchMiB: 0.5},
				Format:    format.Spec{Type: format.JSONLines, Compression: format.Gzip},
				Destination: func() delivery.Destination {
					d := folder("lake", "site=!{partitionKeyFromQuery:site}/", "err/!{firehose:error-output-type}/")
					d.PartitionQueries = map[string]string{"site": ".sensor.site", "day": ".ts | .[0:10]"}
					return d
				}(),
				Backup: &delivery.Backup{Prefix: "raw/"},
			},
		},
		{
			name: "Lambda $LATEST is the newest module version",
			in: awsfirehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("d3"),
				DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
				ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
					BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role),
					CompressionFormat: types.CompressionFormatSnappy,
					ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{
						lambda("LambdaArn", "arn:aws:lambda:us-east-1:123456789012:function:upper:$LATEST"),
					}},
				},
			},
			want: delivery.Definition{
				Name: "d3", Source: delivery.Source{Kind: delivery.SourceDirectPut},
				Buffering:   delivery.Buffering{IntervalSeconds: intp(300)},
				Processor:   &delivery.Processor{Module: "upper"},
				Format:      format.Spec{Type: format.JSONLines, Compression: format.Snappy},
				Destination: folder("lake", "", ""),
			},
		},
		{
			name: "HTTP endpoint",
			in: awsfirehose.CreateDeliveryStreamInput{
				DeliveryStreamName: aws.String("d4"),
				HttpEndpointDestinationConfiguration: &types.HttpEndpointDestinationConfiguration{
					EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://collector.example/in"), Name: aws.String("collector"), AccessKey: aws.String("k3y")},
					RequestConfiguration: &types.HttpEndpointRequestConfiguration{ContentEncoding: types.ContentEncodingGzip, CommonAttributes: []types.HttpEndpointCommonAttribute{
						{AttributeName: aws.String("env"), AttributeValue: aws.String("edge")},
					}},
					RetryOptions:   &types.HttpEndpointRetryOptions{DurationInSeconds: aws.Int32(60)},
					BufferingHints: &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(10)},
					S3BackupMode:   types.HttpEndpointS3BackupModeAllData,
					S3Configuration: &types.S3DestinationConfiguration{
						BucketARN: aws.String("arn:aws:s3:::failed"), RoleARN: aws.String("r"), Prefix: aws.String("p/"), ErrorOutputPrefix: aws.String("e/"),
					},
				},
			},
			want: delivery.Definition{
				Name: "d4", Source: delivery.Source{Kind: delivery.SourceDirectPut},
				Buffering: delivery.Buffering{SizeMiB: 1, IntervalSeconds: intp(10)},
				Format:    format.Spec{Type: format.JSONLines, Compression: format.None},
				// The bucket's Prefix names the backup, its ErrorOutputPrefix
				// the failed records.
				Destination: delivery.Destination{Kind: delivery.DestHTTP, HTTP: &delivery.HTTPDest{
					URL: "https://collector.example/in", Name: "collector", AccessKey: "k3y",
					CommonAttributes: map[string]string{"env": "edge"}, RetrySeconds: intp(60), ContentEncoding: "GZIP",
					ErrorStore: func() *delivery.Destination { d := folder("failed", "", ""); return &d }(),
				}, ErrorPrefix: "e/"},
				Backup: &delivery.Backup{Prefix: "p/"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := tr.client.CreateDeliveryStream(context.Background(), &c.in)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if got, want := aws.ToString(out.DeliveryStreamARN), "arn:aws:firehose:us-east-1:123456789012:deliverystream/"+*c.in.DeliveryStreamName; got != want {
				t.Errorf("ARN %s, want %s", got, want)
			}
			tr.mu.Lock()
			got := tr.last
			tr.mu.Unlock()
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(c.want, "", " ")
				t.Fatalf("definition\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// TestTranslateRefusals covers every validation error of the translation:
// each request is refused with the exception and a message naming the field.
func TestTranslateRefusals(t *testing.T) {
	tr := newTranslator(t)
	s3 := func(extra string) string {
		return `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"` + extra + `}}`
	}
	proc := func(procs string) string {
		return s3(`,"ProcessingConfiguration":{"Enabled":true,"Processors":[` + procs + `]}`)
	}
	lambda := func(arn string, extra string) string {
		return proc(`{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"` + arn + `"}` + extra + `]}`)
	}
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:project"
	httpDest := func(extra string) string {
		return `{"DeliveryStreamName":"d","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"http://x"},"S3Configuration":{"BucketARN":"arn:aws:s3:::lake"}` + extra + `}}`
	}
	cases := []struct {
		name, body, typ, msg string
	}{
		{"not JSON", `{"DeliveryStreamName":`, Serialization, "not valid JSON"},
		{"wrong type", s3(`,"BufferingHints":{"SizeInMBs":"5"}`), Serialization, "class java.lang.String can not be converted to an Integer"},
		{"no name", `{"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, Validation, "deliveryStreamName"},
		{"bad name", `{"DeliveryStreamName":"a b","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, Validation, "deliveryStreamName"},
		{"no destination", `{"DeliveryStreamName":"d"}`, InvalidArgument, "destination is required"},
		{"two destinations", `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"},"S3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "Only one destination"},
		{"unsupported destination", `{"DeliveryStreamName":"d","SplunkDestinationConfiguration":{}}`, InvalidArgument, "SplunkDestinationConfiguration is not supported"},
		{"MSK source", `{"DeliveryStreamName":"d","MSKSourceConfiguration":{"MSKClusterARN":"a"},"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "MSKSourceConfiguration is not supported"},
		{"unsupported nested field", s3(`,"CustomTimeZone":"Europe/Paris"`), InvalidArgument, "ExtendedS3DestinationConfiguration.CustomTimeZone is not supported"},
		{"unsupported field in a list", proc(`{"Type":"Lambda","Parameters":[],"Extra":1}`), InvalidArgument, "ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors[0].Extra"},
		{"MSK source", `{"DeliveryStreamName":"d","DeliveryStreamType":"MSKAsSource","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "DeliveryStreamType MSKAsSource"},
		{"kinesis source without config", `{"DeliveryStreamName":"d","DeliveryStreamType":"KinesisStreamAsSource","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "KinesisStreamSourceConfiguration.KinesisStreamARN"},
		{"kinesis config on direct put", `{"DeliveryStreamName":"d","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s"},"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "needs DeliveryStreamType KinesisStreamAsSource"},
		{"kinesis ARN elsewhere", `{"DeliveryStreamName":"d","DeliveryStreamType":"KinesisStreamAsSource","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/s"},"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "region and account"},
		{"kinesis ARN malformed", `{"DeliveryStreamName":"d","DeliveryStreamType":"KinesisStreamAsSource","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"sensors"},"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake"}}`, InvalidArgument, "not a Kinesis stream ARN"},
		{"no bucket", `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{}}`, Validation, "BucketARN"},
		{"bad bucket ARN", `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"BucketARN":"lake"}}`, InvalidArgument, "not a bucket ARN"},
		{"bucket escaping a folder", `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::.."}}`, InvalidArgument, "not a bucket ARN"},
		{"bucket with no store", `{"DeliveryStreamName":"d","ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::refused"}}`, InvalidArgument, "bucket refused has no store"},
		{"size too big", s3(`,"BufferingHints":{"SizeInMBs":129}`), Validation, "BufferingHints.SizeInMBs"},
		{"size zero", s3(`,"BufferingHints":{"SizeInMBs":0}`), Validation, "BufferingHints.SizeInMBs"},
		{"interval too long", s3(`,"BufferingHints":{"IntervalInSeconds":901}`), Validation, "BufferingHints.IntervalInSeconds"},
		{"ZIP", s3(`,"CompressionFormat":"ZIP"`), InvalidArgument, "CompressionFormat ZIP"},
		{"HADOOP_SNAPPY", s3(`,"CompressionFormat":"HADOOP_SNAPPY"`), InvalidArgument, "CompressionFormat HADOOP_SNAPPY"},
		{"format conversion", s3(`,"DataFormatConversionConfiguration":{"Enabled":true}`), InvalidArgument, "sluice apply"},
		{"KMS encryption", s3(`,"EncryptionConfiguration":{"KMSEncryptionConfig":{"AWSKMSKeyARN":"k"}}`), InvalidArgument, "EncryptionConfiguration.KMSEncryptionConfig is not supported"},
		{"CloudWatch logging", s3(`,"CloudWatchLoggingOptions":{"Enabled":true,"LogGroupName":"g"}`), InvalidArgument, "CloudWatchLoggingOptions"},
		{"backup without config", s3(`,"S3BackupMode":"Enabled"`), InvalidArgument, "needs S3BackupConfiguration"},
		{"backup config disabled", s3(`,"S3BackupConfiguration":{"BucketARN":"arn:aws:s3:::lake"}`), InvalidArgument, "needs S3BackupMode Enabled"},
		{"backup elsewhere", s3(`,"S3BackupMode":"Enabled","S3BackupConfiguration":{"BucketARN":"arn:aws:s3:::other"}`), InvalidArgument, "must be the destination's bucket"},
		{"backup compressed", s3(`,"S3BackupMode":"Enabled","S3BackupConfiguration":{"BucketARN":"arn:aws:s3:::lake","CompressionFormat":"GZIP"}`), InvalidArgument, "S3BackupConfiguration.CompressionFormat"},
		{"backup mode unknown", s3(`,"S3BackupMode":"Sometimes"`), InvalidArgument, "S3BackupMode Sometimes"},
		{"processor type", proc(`{"Type":"Enrichment"}`), InvalidArgument, "Processors[0].Type Enrichment"},
		{"two Lambdas", proc(`{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":"` + fn + `"}]},{"Type":"Lambda"}`), InvalidArgument, "only one Lambda"},
		{"no LambdaArn", proc(`{"Type":"Lambda","Parameters":[{"ParameterName":"NumberOfRetries","ParameterValue":"1"}]}`), InvalidArgument, "needs the parameter LambdaArn"},
		{"LambdaArn malformed", lambda("project", ""), InvalidArgument, "not a Lambda function ARN"},
		{"LambdaArn elsewhere", lambda("arn:aws:lambda:us-east-1:999999999999:function:project", ""), InvalidArgument, "region and account"},
		{"LambdaArn alias", lambda(fn+":prod", ""), InvalidArgument, "does not name a module"},
		{"LambdaArn bad module name", lambda("arn:aws:lambda:us-east-1:123456789012:function:a.b", ""), InvalidArgument, "does not name a module"},
		{"retries", lambda(fn, `,{"ParameterName":"NumberOfRetries","ParameterValue":"301"}`), InvalidArgument, "NumberOfRetries"},
		{"batch size", lambda(fn, `,{"ParameterName":"BufferSizeInMBs","ParameterValue":"5"}`), InvalidArgument, "BufferSizeInMBs"},
		{"batch interval", lambda(fn, `,{"ParameterName":"BufferIntervalInSeconds","ParameterValue":"soon"}`), InvalidArgument, "BufferIntervalInSeconds"},
		{"unknown parameter", lambda(fn, `,{"ParameterName":"Delimiter","ParameterValue":","}`), InvalidArgument, "parameter Delimiter"},
		{"duplicate parameter", lambda(fn, `,{"ParameterName":"LambdaArn","ParameterValue":"`+fn+`"}`), InvalidArgument, "LambdaArn appears twice"},
		{"metadata without partitioning", proc(`{"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{a: .a}"}]}`), InvalidArgument, "needs DynamicPartitioningConfiguration"},
		{"metadata query not an object", s3(`,"DynamicPartitioningConfiguration":{"Enabled":true},"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":".a"}]}]}`), InvalidArgument, "must be one jq object"},
		{"metadata query bad jq", s3(`,"DynamicPartitioningConfiguration":{"Enabled":true},"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{a: .a"}]}]}`), InvalidArgument, "not a jq query"},
		{"metadata engine", s3(`,"DynamicPartitioningConfiguration":{"Enabled":true},"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{a: .a}"},{"ParameterName":"JsonParsingEngine","ParameterValue":"JQ-2"}]}]}`), InvalidArgument, "JsonParsingEngine"},
		{"partitioning retry", s3(`,"DynamicPartitioningConfiguration":{"Enabled":true,"RetryOptions":{"DurationInSeconds":7201}}`), Validation, "DynamicPartitioningConfiguration.RetryOptions.DurationInSeconds"},
		{"http without url", `{"DeliveryStreamName":"d","HttpEndpointDestinationConfiguration":{"S3Configuration":{"BucketARN":"arn:aws:s3:::lake"}}}`, Validation, "EndpointConfiguration.Url"},
		{"http without S3", `{"DeliveryStreamName":"d","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"http://x"}}}`, Validation, "S3Configuration"},
		{"http encoding", httpDest(`,"RequestConfiguration":{"ContentEncoding":"BR"}`), InvalidArgument, "ContentEncoding BR"},
		{"http duplicate attribute", httpDest(`,"RequestConfiguration":{"CommonAttributes":[{"AttributeName":"a","AttributeValue":"1"},{"AttributeName":"a","AttributeValue":"2"}]}`), InvalidArgument, "a appears twice"},
		{"http retry", httpDest(`,"RetryOptions":{"DurationInSeconds":7201}`), Validation, "RetryOptions.DurationInSeconds"},
		{"http size", httpDest(`,"BufferingHints":{"SizeInMBs":65}`), Validation, "HttpEndpointDestinationConfiguration.BufferingHints.SizeInMBs"},
		{"http backup mode", httpDest(`,"S3BackupMode":"Never"`), InvalidArgument, "S3BackupMode Never"},
		{"http failed data compressed", `{"DeliveryStreamName":"d","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"http://x"},"S3Configuration":{"BucketARN":"arn:aws:s3:::lake","CompressionFormat":"GZIP"}}}`, InvalidArgument, "S3Configuration.CompressionFormat"},
		{"http secrets", httpDest(`,"SecretsManagerConfiguration":{"Enabled":true}`), InvalidArgument, "SecretsManagerConfiguration is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, typ, msg := tr.raw(t, c.body)
			if status != http.StatusBadRequest || typ != c.typ || !strings.Contains(msg, c.msg) {
				t.Fatalf("got %d %s %q, want 400 %s mentioning %q", status, typ, msg, c.typ, c.msg)
			}
		})
	}
}

// TestTranslateRefusalThroughSDK checks that the SDK reads a refusal as its
// typed exception.
func TestTranslateRefusalThroughSDK(t *testing.T) {
	tr := newTranslator(t)
	_, err := tr.client.CreateDeliveryStream(context.Background(), &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("d"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role), CompressionFormat: types.CompressionFormatZip,
		},
	})
	var iae *types.InvalidArgumentException
	if !errors.As(err, &iae) || !strings.Contains(aws.ToString(iae.Message), "ZIP") {
		t.Fatalf("err %v, want InvalidArgumentException about ZIP", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != InvalidArgument {
		t.Fatalf("err %v", err)
	}
}

func TestUnsupportedField(t *testing.T) {
	type inner struct {
		A int `json:"A"`
	}
	type outer struct {
		inner
		B   []inner          `json:"B"`
		Raw *json.RawMessage `json:"Raw"`
	}
	cases := []struct{ in, want string }{
		{`{"A":1,"B":[{"A":2}],"Raw":{"anything":1}}`, ""},
		{`{"C":1}`, "C"},
		{`{"C":null}`, ""},
		{`{"B":[{"A":1},{"Z":2}]}`, "B[1].Z"},
	}
	for _, c := range cases {
		if got := unsupportedField(json.RawMessage(c.in), reflect.TypeFor[outer]()); got != c.want {
			t.Errorf("%s: %q, want %q", c.in, got, c.want)
		}
	}
}
