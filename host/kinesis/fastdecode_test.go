package kinesis

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/awsjson"
)

// fastSeeds are bodies of both kinds: the usual shape the fast decoders
// take, and every unusual thing they must hand to encoding/json.
var fastSeeds = []string{
	`{"Records":[{"Data":"aGVsbG8=","PartitionKey":"k"}],"StreamName":"s"}`,
	`{"StreamName":"s","Records":[{"Data":"","PartitionKey":"k","ExplicitHashKey":"7"},{"PartitionKey":"é"}]}`,
	` { "StreamARN" : "arn:aws:kinesis:us-east-1:123456789012:stream/s" , "Records" : [ ] } `,
	`{"Records":[{}]}`, `{}`, `{"Records":[]}`, `null`, ``, `[]`, `{"Records":null}`,
	`{"Records":[null]}`, `{"StreamName":null}`, `{"Records":[{"Data":null}]}`,
	`{"records":[{"data":"AA==","partitionkey":"k"}]}`, `{"StreamName":"a","StreamName":"b"}`,
	`{"Records":[{"Data":"AA==","Data":"AQ=="}]}`, `{"Records":[{"Data":"AA="}]}`,
	`{"Records":[{"Data":"A\u0041=="}]}`, `{"StreamName":"a\nb"}`, `{"StreamName":"a\"b"}`,
	`{"StreamName":"` + "\xff" + `"}`, `{"StreamName":"` + "\x01" + `"}`, `{"StreamName":5}`,
	`{"Records":{}}`, `{"Records":[[]]}`, `{"Records":[{"PartitionKey":["x"]}]}`,
	`{"Other":1}`, `{"StreamName":"s"} x`, `{"StreamName":"s",}`, `{"Records":[{},]}`,
	`{"StreamName":"s"`, `{"Records":[{"Data":"AA=="}`, `{"Data":"AA==","PartitionKey":"k","StreamName":"s"}`,
	`{"Data":"AA==","PartitionKey":"k","StreamName":"s","SequenceNumberForOrdering":"1","ExplicitHashKey":"0"}`,
	`{"Data":"AA==","PartitionKey":"k","Records":[]}`, `{"Records":[{"Data":"AA==","StreamName":"s"}]}`,
	`{"Data":"` + "\u00e9" + `"}`, `{"Data":"AA==\r\n"}`, `{"StreamName":"\u2028"}`, "{\"StreamName\":\"s\"}\n",
	"{\"Records\":[{\"Data\":\"AAAA\nAAAA\",\"PartitionKey\":\"k\"}]}", "{\"Records\":[{\"Data\":\"AAAA\rAAAA\"}]}",
	"{\"Records\":[{\"Data\":\"AA\tAA==\"}]}", "{\"Records\":[{\"Data\":\"AA\xffAA==\"}]}",
}

// FuzzFastDecode holds the PutRecords and PutRecord decoders to
// encoding/json: whatever a body, the operation gets the same input, or
// the same error, as through Decode alone.
func FuzzFastDecode(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsJSON[putRecordsInput](t, body)
		sameAsJSON[putRecordInput](t, body)
	})
}

// sameAsJSON decodes body for an operation taking In (through
// awsjson.Func, so with the fast decoder and its fall-back) and with
// awsjson.Decode alone, and fails unless both give the same input or the
// same error. It reports whether the fast decoder took body.
func sameAsJSON[In any, P interface {
	*In
	awsjson.FastDecoder
}](t *testing.T, body []byte) bool {
	t.Helper()
	var want In
	wantErr := awsjson.Decode(body, &want)
	var got *In
	h := awsjson.Func(func(_ context.Context, in *In) (*struct{}, error) {
		got = in
		return nil, nil
	})
	_, gotErr := h.ServeAWS(context.Background(), body)
	switch {
	case (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error():
		t.Fatalf("%T of %q: error %v, encoding/json's %v", want, body, gotErr, wantErr)
	case wantErr == nil && !reflect.DeepEqual(*got, want):
		t.Fatalf("%T of %q:\n got %#v\nwant %#v", want, body, *got, want)
	}
	var fast In
	took := P(&fast).DecodeFastJSON(body)
	if took && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("%T of %q: the fast decoder took what encoding/json answers %v with %#v", want, body, wantErr, want)
	}
	return took
}

// TestFastDecodeTakesSDKBodies checks the fast decoders take the bodies
// the AWS SDK sends (else FuzzFastDecode proves nothing and the speed is
// lost), as the SDK writes them, and hand the unusual to encoding/json.
func TestFastDecodeTakesSDKBodies(t *testing.T) {
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
		w.Header().Set("Content-Type", awsjson.ContentType)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	client := awskinesis.New(awskinesis.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
	})
	ctx := context.Background()
	data := bytes.Repeat([]byte{0, 1, 0xfe, 'x'}, 300)
	recs := []types.PutRecordsRequestEntry{
		{Data: data, PartitionKey: aws.String("k-1")},
		{Data: []byte{}, PartitionKey: aws.String("ключ"), ExplicitHashKey: aws.String("340282366920938463463374607431768211455")},
	}
	_, _ = client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: recs})
	_, _ = client.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/s"), Records: recs})
	_, _ = client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("s"), Data: data, PartitionKey: aws.String("k"),
		ExplicitHashKey: aws.String("1"), SequenceNumberForOrdering: aws.String("49590338271490256608559692538361571095921575989136588898")})
	if len(bodies) != 3 {
		t.Fatalf("captured %d bodies", len(bodies))
	}
	for i, b := range bodies[:2] {
		if !sameAsJSON[putRecordsInput](t, b) {
			t.Errorf("PutRecords body %d not taken: %s", i, b)
		}
	}
	if !sameAsJSON[putRecordInput](t, bodies[2]) {
		t.Errorf("PutRecord body not taken: %s", bodies[2])
	}

	for _, tc := range []struct {
		body    string
		records bool // PutRecords (else PutRecord)
		taken   bool
	}{
		{`{"StreamName":"s","Records":[{"Data":"aGk=","PartitionKey":"k"}]}`, true, true},
		{` {"Records" :[ ] } `, true, true},
		{`{"Records":[{"Data":"aGk","PartitionKey":"k"}]}`, true, false},
		{`{"records":[{"Data":"aGk=","PartitionKey":"k"}]}`, true, false},
		{`{"StreamName":"s\u0041"}`, true, false},
		{`{"StreamName":null}`, true, false},
		{`{"StreamName":"a","StreamName":"b"}`, true, false},
		{`{"StreamName":"s"}{}`, true, false},
		{`{"Records":[{"PartitionKey":1}]}`, true, false},
		{`{"Data":"aGk=","PartitionKey":"k","StreamName":"s","SequenceNumberForOrdering":"1"}`, false, true},
		{`{"Data":"aGk=","Records":[]}`, false, false},
	} {
		var took bool
		if tc.records {
			took = sameAsJSON[putRecordsInput](t, []byte(tc.body))
		} else {
			took = sameAsJSON[putRecordInput](t, []byte(tc.body))
		}
		if took != tc.taken {
			t.Errorf("%s: taken %v, want %v", tc.body, took, tc.taken)
		}
	}
}
