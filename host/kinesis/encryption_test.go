package kinesis

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/sluice-io/sluice/host/streams"
)

// TestEncryptionType: DescribeStream, DescribeStreamSummary, PutRecord(s)
// and GetRecords say what the server does (KMS with the server's KeyId
// when it encrypts at rest, NONE otherwise), and Start/StopStreamEncryption
// answer accordingly, through the AWS SDK.
func TestEncryptionType(t *testing.T) {
	ctx := context.Background()
	for _, encrypted := range []bool{false, true} {
		var opts []Option
		want, wantKey := types.EncryptionTypeNone, ""
		if encrypted {
			opts = append(opts, WithEncryptionAtRest())
			want, wantKey = types.EncryptionTypeKms, ServerKeyID
		}
		e := startWith(t, "", &clock{}, streams.Config{}, opts...)
		e.createStream(t, "s", 1)
		c := e.client
		d, err := c.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		if d.StreamDescription.EncryptionType != want || aws.ToString(d.StreamDescription.KeyId) != wantKey {
			t.Errorf("encrypted %v: DescribeStream says %s %q", encrypted, d.StreamDescription.EncryptionType, aws.ToString(d.StreamDescription.KeyId))
		}
		sum, err := c.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
		if err != nil {
			t.Fatal(err)
		}
		if sum.StreamDescriptionSummary.EncryptionType != want || aws.ToString(sum.StreamDescriptionSummary.KeyId) != wantKey {
			t.Errorf("encrypted %v: DescribeStreamSummary says %s", encrypted, sum.StreamDescriptionSummary.EncryptionType)
		}
		put, err := c.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("x")})
		if err != nil || put.EncryptionType != want {
			t.Errorf("encrypted %v: PutRecord says %s, %v", encrypted, put.EncryptionType, err)
		}
		puts, err := c.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("y")}}})
		if err != nil || puts.EncryptionType != want {
			t.Errorf("encrypted %v: PutRecords says %s, %v", encrypted, puts.EncryptionType, err)
		}
		it, err := c.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := c.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil || len(recs.Records) != 2 {
			t.Fatalf("GetRecords: %v", err)
		}
		wantRec := types.EncryptionType("")
		if encrypted {
			wantRec = types.EncryptionTypeKms
		}
		if recs.Records[0].EncryptionType != wantRec {
			t.Errorf("encrypted %v: a record says %q", encrypted, recs.Records[0].EncryptionType)
		}

		start := &awskinesis.StartStreamEncryptionInput{StreamName: aws.String("s"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}
		stop := &awskinesis.StopStreamEncryptionInput{StreamName: aws.String("s"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}
		_, startErr := c.StartStreamEncryption(ctx, start)
		_, stopErr := c.StopStreamEncryption(ctx, stop)
		if encrypted {
			if startErr != nil {
				t.Errorf("StartStreamEncryption on an encrypting server: %v, want success", startErr)
			}
			if errorCode(stopErr) != InvalidArgument || !strings.Contains(stopErr.Error(), "encrypts every stream") {
				t.Errorf("StopStreamEncryption on an encrypting server: %v, want %s", stopErr, InvalidArgument)
			}
		} else {
			if errorCode(startErr) != InvalidArgument || !strings.Contains(startErr.Error(), "--encryption-key-file") {
				t.Errorf("StartStreamEncryption without encryption: %v, want %s", startErr, InvalidArgument)
			}
			if stopErr != nil {
				t.Errorf("StopStreamEncryption without encryption: %v, want success", stopErr)
			}
		}
		// Nothing changed.
		if d, _ := c.DescribeStream(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("s")}); d.StreamDescription.EncryptionType != want {
			t.Errorf("encrypted %v: after Start/Stop DescribeStream says %s", encrypted, d.StreamDescription.EncryptionType)
		}
	}
}

// TestStreamEncryptionValidation: Start/StopStreamEncryption check their
// input as AWS does, whatever the server does.
func TestStreamEncryptionValidation(t *testing.T) {
	e := startWith(t, "", &clock{}, streams.Config{}, WithEncryptionAtRest())
	e.createStream(t, "s", 1)
	long := strings.Repeat("k", 2049)
	for _, target := range []string{"StartStreamEncryption", "StopStreamEncryption"} {
		for _, tc := range []struct {
			body string
			want string
		}{
			{`{"StreamName":"s","KeyId":"k"}`, Validation},
			{`{"StreamName":"s","EncryptionType":"AES","KeyId":"k"}`, Validation},
			{`{"StreamName":"s","EncryptionType":"KMS"}`, Validation},
			{`{"StreamName":"s","EncryptionType":"KMS","KeyId":"` + long + `"}`, Validation},
			{`{"StreamName":"s","EncryptionType":"NONE","KeyId":"k"}`, InvalidArgument},
			{`{"EncryptionType":"KMS","KeyId":"k"}`, InvalidArgument},
			{`{"StreamName":"nope","EncryptionType":"KMS","KeyId":"k"}`, ResourceNotFound},
			{`{"StreamName":"bad/name","EncryptionType":"KMS","KeyId":"k"}`, Validation},
		} {
			status, body, _ := e.raw(t, TargetPrefix+"."+target, []byte(tc.body))
			if status != 400 || !strings.Contains(string(body), `"__type":"`+tc.want+`"`) {
				t.Errorf("%s %s: %d %s, want 400 %s", target, tc.body, status, body, tc.want)
			}
		}
	}
}
