package firehose

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func param(name, value string) types.ProcessorParameter {
	return types.ProcessorParameter{ParameterName: types.ProcessorParameterName(name), ParameterValue: aws.String(value)}
}

// createWith creates a direct-put delivery stream to bucket lake under
// prefix name/ (errors under name-errors/TYPE/) with the given processors.
func (e *env) createWith(t *testing.T, name string, procs ...types.Processor) error {
	t.Helper()
	_, err := e.client.CreateDeliveryStream(context.Background(), &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role),
			Prefix:                  aws.String(name + "/"),
			ErrorOutputPrefix:       aws.String(name + "-errors/!{firehose:error-output-type}/"),
			BufferingHints:          &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
			ProcessingConfiguration: &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: procs},
		},
	})
	return err
}

// apiError is an error output record as a Firehose user reads it.
type apiError struct {
	ErrorCode, ErrorMessage string
	RawData                 []byte
}

// errorsUnder waits until the error objects under buckets/lake/prefix hold
// n records and returns them.
func (e *env) errorsUnder(t *testing.T, prefix string, n int) []apiError {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out []apiError
		_ = filepath.WalkDir(filepath.Join(e.dir, "buckets", "lake", prefix), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
				var r apiError
				if json.Unmarshal(l, &r) == nil {
					out = append(out, r)
				}
			}
			return nil
		})
		if len(out) >= n || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Firehose's record processors set up with the API as AWS takes them,
// each given good and bad records with PutRecordBatch: the good ones are
// delivered as the processors make them, the bad ones go to the error
// output by type, and DescribeDeliveryStream shows the processors back.
func TestRecordProcessorsThroughTheAPI(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	cwlData := `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/app","logStream":"i-1","subscriptionFilters":["all"],` +
		`"logEvents":[{"id":"1","timestamp":1700000000000,"message":"GET /index.html 200"},{"id":"2","timestamp":1700000000001,"message":"{\"status\":500}"}]}`
	cwlControl := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],` +
		`"logEvents":[{"id":"","timestamp":1700000000000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`
	decompression := types.Processor{Type: types.ProcessorTypeDecompression, Parameters: []types.ProcessorParameter{param("CompressionFormat", "GZIP")}}
	cloudWatch := types.Processor{Type: types.ProcessorTypeCloudWatchLogProcessing, Parameters: []types.ProcessorParameter{param("DataMessageExtraction", "true")}}
	tests := []struct {
		name   string
		procs  []types.Processor
		in     [][]byte
		want   []string
		errors map[string][]string // error output type: error codes
	}{
		{
			name:   "gz",
			procs:  []types.Processor{decompression},
			in:     [][]byte{gzipped(t, `{"x":1}`), []byte("not gzip")},
			want:   []string{`{"x":1}`},
			errors: map[string][]string{"decompression-failed": {"Decompression.Failed"}},
		},
		{
			name:  "cwl",
			procs: []types.Processor{cloudWatch, decompression},
			in:    [][]byte{gzipped(t, cwlData), gzipped(t, cwlControl), []byte("not gzip"), gzipped(t, "not a payload")},
			want:  []string{"GET /index.html 200", `{"status":500}`},
			errors: map[string][]string{"decompression-failed": {"Decompression.Failed"},
				"processing-failed": {"CloudWatchLogProcessing.InvalidPayload"}},
		},
		{
			name: "json",
			procs: []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation,
				Parameters: []types.ProcessorParameter{param("SubRecordType", "JSON")}}},
			in:     [][]byte{[]byte(`{"a":1}{"a":2}`), []byte("{\"a\":3}\n"), []byte(`[{"a":4}]`)},
			want:   []string{`{"a":1}`, `{"a":2}`, `{"a":3}`},
			errors: map[string][]string{"processing-failed": {"RecordDeAggregation.MalformedData"}},
		},
		{
			name: "delimited",
			procs: []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation,
				Parameters: []types.ProcessorParameter{param("SubRecordType", "DELIMITED"), param("Delimiter", "IyMjIw==")}}}, // ####
			in:   [][]byte{[]byte("a####b####"), []byte("c")},
			want: []string{"a", "b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.createWith(t, tt.name, tt.procs...); err != nil {
				t.Fatal(err)
			}
			recs := make([]types.Record, len(tt.in))
			for i, d := range tt.in {
				recs[i] = types.Record{Data: d}
			}
			out, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String(tt.name), Records: recs})
			if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
				t.Fatalf("put: %v", err)
			}
			if got := e.delivered(t, tt.name+"/", len(tt.want)); !slices.Equal(got, tt.want) {
				t.Errorf("delivered %q, want %q", got, tt.want)
			}
			for kind, codes := range tt.errors {
				var got []string
				for _, r := range e.errorsUnder(t, tt.name+"-errors/"+kind+"/", len(codes)) {
					got = append(got, r.ErrorCode)
					if r.ErrorMessage == "" || len(r.RawData) == 0 {
						t.Errorf("error record %+v", r)
					}
				}
				slices.Sort(got)
				slices.Sort(codes)
				if !slices.Equal(got, codes) {
					t.Errorf("%s: error codes %q, want %q", kind, got, codes)
				}
			}
			d, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(tt.name)})
			if err != nil {
				t.Fatal(err)
			}
			pc := d.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.ProcessingConfiguration
			if pc == nil || !aws.ToBool(pc.Enabled) {
				t.Fatalf("described processing %+v", pc)
			}
			if got, want := describedProcessors(pc.Processors), describedProcessors(tt.procs); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
				t.Errorf("described processors %q, want %q", got, want)
			}
		})
	}
}

// describedProcessors writes processors as "Type Name=Value..." lines.
func describedProcessors(ps []types.Processor) []string {
	var out []string
	for _, p := range ps {
		s := string(p.Type)
		for _, kv := range p.Parameters {
			s += " " + string(kv.ParameterName) + "=" + aws.ToString(kv.ParameterValue)
		}
		out = append(out, s)
	}
	return out
}

// What CreateDeliveryStream refuses in the record processors' parameters,
// with InvalidArgumentException naming the field.
func TestRecordProcessorParameters(t *testing.T) {
	e := start(t)
	decompression := types.Processor{Type: types.ProcessorTypeDecompression}
	tests := []struct {
		name  string
		procs []types.Processor
		want  string
	}{
		{"zip", []types.Processor{{Type: types.ProcessorTypeDecompression, Parameters: []types.ProcessorParameter{param("CompressionFormat", "ZIP")}}}, `CompressionFormat "ZIP"`},
		{"extraction off", []types.Processor{decompression, {Type: types.ProcessorTypeCloudWatchLogProcessing,
			Parameters: []types.ProcessorParameter{param("DataMessageExtraction", "false")}}}, "DataMessageExtraction"},
		{"extraction missing", []types.Processor{decompression, {Type: types.ProcessorTypeCloudWatchLogProcessing}}, "needs the parameter DataMessageExtraction"},
		{"without decompression", []types.Processor{{Type: types.ProcessorTypeCloudWatchLogProcessing,
			Parameters: []types.ProcessorParameter{param("DataMessageExtraction", "true")}}}, "needs a Decompression processor"},
		{"sub-record type", []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation,
			Parameters: []types.ProcessorParameter{param("SubRecordType", "CSV")}}}, `SubRecordType "CSV"`},
		{"no sub-record type", []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation}}, "needs the parameter SubRecordType"},
		{"delimiter not base64", []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation,
			Parameters: []types.ProcessorParameter{param("SubRecordType", "DELIMITED"), param("Delimiter", "####")}}}, "base64"},
		{"delimited without a delimiter", []types.Processor{{Type: types.ProcessorTypeRecordDeAggregation,
			Parameters: []types.ProcessorParameter{param("SubRecordType", "DELIMITED")}}}, "needs a delimiter"},
		{"another processor's parameter", []types.Processor{{Type: types.ProcessorTypeDecompression,
			Parameters: []types.ProcessorParameter{param("SubRecordType", "JSON")}}}, "parameter SubRecordType is not supported"},
		{"twice", []types.Processor{decompression, decompression}, "only one Decompression"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.createWith(t, "bad"+string(rune('a'+i)), tt.procs...)
			if errorCode(err) != InvalidArgument || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("create: %v, want %s with %q", err, InvalidArgument, tt.want)
			}
		})
	}
}
