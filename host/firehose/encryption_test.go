package firehose

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// Server-side encryption tells the truth: a server that encrypts at rest
// shows every delivery stream ENABLED (AWS_OWNED_CMK: the server's key),
// puts say Encrypted, Start succeeds and Stop is refused; a server that
// does not shows DISABLED, Start is refused and Stop succeeds. Neither
// changes anything.
func TestEncryptionIsTheServers(t *testing.T) {
	for _, encrypted := range []bool{true, false} {
		t.Run(map[bool]string{true: "encrypted", false: "plain"}[encrypted], func(t *testing.T) {
			e := startWith(t, encrypted)
			ctx := context.Background()
			e.createS3(t, "d")
			want := map[bool]string{true: "ENABLED", false: "DISABLED"}[encrypted]
			check := func(when string) {
				t.Helper()
				c := e.describe(t, "d").DeliveryStreamEncryptionConfiguration
				if c == nil || string(c.Status) != want {
					t.Fatalf("%s: encryption %+v, want %s", when, c, want)
				}
				if encrypted && c.KeyType != types.KeyTypeAwsOwnedCmk {
					t.Errorf("%s: KeyType %q, want AWS_OWNED_CMK", when, c.KeyType)
				}
			}
			check("after create")
			p, err := e.client.PutRecord(ctx, &awsfirehose.PutRecordInput{DeliveryStreamName: aws.String("d"), Record: &types.Record{Data: []byte("x\n")}})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToBool(p.Encrypted) != encrypted {
				t.Errorf("PutRecord Encrypted %v", aws.ToBool(p.Encrypted))
			}
			b, err := e.client.PutRecordBatch(ctx, &awsfirehose.PutRecordBatchInput{DeliveryStreamName: aws.String("d"), Records: []types.Record{{Data: []byte("y\n")}}})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToBool(b.Encrypted) != encrypted {
				t.Errorf("PutRecordBatch Encrypted %v", aws.ToBool(b.Encrypted))
			}

			_, err = e.client.StartDeliveryStreamEncryption(ctx, &awsfirehose.StartDeliveryStreamEncryptionInput{
				DeliveryStreamName:                         aws.String("d"),
				DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk},
			})
			if encrypted && err != nil {
				t.Errorf("start on an encrypting server: %v", err)
			}
			if !encrypted && (errorCode(err) != InvalidArgument || !strings.Contains(err.Error(), "--encryption-key-file")) {
				t.Errorf("start on a plain server: %v, want %s saying how to encrypt", err, InvalidArgument)
			}
			check("after start")
			_, err = e.client.StopDeliveryStreamEncryption(ctx, &awsfirehose.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String("d")})
			if encrypted && errorCode(err) != InvalidArgument {
				t.Errorf("stop on an encrypting server: %v, want %s", err, InvalidArgument)
			}
			if !encrypted && err != nil {
				t.Errorf("stop on a plain server: %v", err)
			}
			check("after stop")

			// Create asking for encryption: taken only where it is true.
			_, err = e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
				DeliveryStreamName:                         aws.String("sse"),
				DeliveryStreamEncryptionConfigurationInput: &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk},
				ExtendedS3DestinationConfiguration:         &types.ExtendedS3DestinationConfiguration{BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role)},
			})
			if encrypted && err != nil {
				t.Errorf("create with encryption on an encrypting server: %v", err)
			}
			if !encrypted && errorCode(err) != InvalidArgument {
				t.Errorf("create with encryption on a plain server: %v, want %s", err, InvalidArgument)
			}
		})
	}
}

// Encryption requests Sluice cannot honour, or that are malformed, are
// refused with AWS's exception and a message saying what to do.
func TestEncryptionRefusals(t *testing.T) {
	e := startWith(t, true)
	e.createS3(t, "d")
	const key = `"KeyARN":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`
	cases := []struct {
		name, op, body, typ string
		msgs                []string
	}{
		{"customer key", "StartDeliveryStreamEncryption", `{"DeliveryStreamName":"d","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"CUSTOMER_MANAGED_CMK",` + key + `}}`, InvalidArgument, []string{"no KMS", "use KeyType AWS_OWNED_CMK"}},
		{"customer key without ARN", "StartDeliveryStreamEncryption", `{"DeliveryStreamName":"d","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"CUSTOMER_MANAGED_CMK"}}`, InvalidArgument, []string{"KeyARN is required"}},
		{"ARN with AWS key", "StartDeliveryStreamEncryption", `{"DeliveryStreamName":"d","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"AWS_OWNED_CMK",` + key + `}}`, InvalidArgument, []string{"leave it out"}},
		{"bad members", "StartDeliveryStreamEncryption", `{"DeliveryStreamName":"d d","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"MINE","KeyARN":"key"}}`, Validation, []string{"3 validation errors detected",
			"Value 'key' at 'deliveryStreamEncryptionConfigurationInput.keyARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:",
			"Value 'MINE' at 'deliveryStreamEncryptionConfigurationInput.keyType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_CMK, CUSTOMER_MANAGED_CMK]"}},
		{"missing stream", "StartDeliveryStreamEncryption", `{"DeliveryStreamName":"nope"}`, ResourceNotFound, []string{"Firehose nope under account"}},
		{"stop missing name", "StopDeliveryStreamEncryption", `{}`, Validation, []string{"Value null at 'deliveryStreamName'"}},
		{"create with customer key", "CreateDeliveryStream", `{"DeliveryStreamName":"c","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"CUSTOMER_MANAGED_CMK",` + key + `},"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake","RoleARN":"` + role + `"}}`, InvalidArgument, []string{"no KMS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, msg := e.call(t, c.op, c.body)
			if typ != c.typ {
				t.Fatalf("%s: %s, want %s", typ, msg, c.typ)
			}
			for _, m := range c.msgs {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q lacks %q", msg, m)
				}
			}
		})
	}
}
