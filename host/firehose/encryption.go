package firehose

import (
	"context"
	"fmt"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
)

// Server-side encryption, as Firehose names it. Sluice encrypts
// everything JetStream holds (direct-put records, definitions, positions)
// with the server's key, or nothing: there is nothing to turn on or off
// per delivery stream, and the API says so truthfully (as the Kinesis
// API's Start/StopStreamEncryption do).
const (
	keyTypeAWSOwned    = "AWS_OWNED_CMK"
	keyTypeCustomer    = "CUSTOMER_MANAGED_CMK"
	encryptionEnabled  = "ENABLED"
	encryptionDisabled = "DISABLED"
	// kmsKeyARNPattern is Firehose's AWSKMSKeyARN.
	kmsKeyARNPattern = `arn:.*:kms:[a-zA-Z0-9\-]+:\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\-_/]+`
	maxKeyARNLen     = 512
)

var kmsKeyARN = awsjson.NewPattern(kmsKeyARNPattern)

// encryptionConfigInput is DeliveryStreamEncryptionConfigurationInput.
type encryptionConfigInput struct {
	KeyARN  *string `json:"KeyARN"`
	KeyType *string `json:"KeyType"`
}

// encryptionConfigOut is DeliveryStreamEncryptionConfiguration.
type encryptionConfigOut struct {
	KeyType string `json:"KeyType,omitempty"`
	Status  string `json:"Status"`
}

func checkEncryptionConfig(v *awsjson.Violations, field string, e *encryptionConfigInput) {
	v.String(field+".keyARN", e.KeyARN, false, 1, maxKeyARNLen, &kmsKeyARN)
	v.Enum(field+".keyType", e.KeyType, true, keyTypeAWSOwned, keyTypeCustomer)
}

type startEncryptionInput struct {
	DeliveryStreamName                         *string                `json:"DeliveryStreamName"`
	DeliveryStreamEncryptionConfigurationInput *encryptionConfigInput `json:"DeliveryStreamEncryptionConfigurationInput"`
}

type stopEncryptionInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName"`
}

func (in *startEncryptionInput) validate(v *awsjson.Violations) {
	checkName(v, in.DeliveryStreamName)
	if e := in.DeliveryStreamEncryptionConfigurationInput; e != nil {
		checkEncryptionConfig(v, "deliveryStreamEncryptionConfigurationInput", e)
	}
}

func (in *stopEncryptionInput) validate(v *awsjson.Violations) { checkName(v, in.DeliveryStreamName) }

// encryptionOf is what DescribeDeliveryStream says of a delivery stream's
// encryption: the server's.
func (c Config) encryptionOf() *encryptionConfigOut {
	if c.EncryptedAtRest {
		return &encryptionConfigOut{KeyType: keyTypeAWSOwned, Status: encryptionEnabled}
	}
	return &encryptionConfigOut{Status: encryptionDisabled}
}

// checkSSE answers a request for encryption (on create, or
// StartDeliveryStreamEncryption) according to the server.
func (c Config) checkSSE(name string, e *encryptionConfigInput) error {
	if e == nil {
		return nil
	}
	if e.KeyType != nil && *e.KeyType == keyTypeCustomer {
		if e.KeyARN == nil {
			return invalid("KeyARN is required with KeyType %s.", keyTypeCustomer)
		}
		// Sluice has no KMS: a customer's key would be named and not
		// used. Say so rather than show a key that does not encrypt.
		return invalid("KeyType %s is not supported by Sluice, which has no KMS: the server encrypts everything it stores with its own key; use KeyType %s.", keyTypeCustomer, keyTypeAWSOwned)
	}
	if e.KeyARN != nil {
		return invalid("KeyARN is only taken with KeyType %s; leave it out with %s.", keyTypeCustomer, keyTypeAWSOwned)
	}
	if c.EncryptedAtRest {
		// Already encrypted, with the server's key, as AWS_OWNED_CMK says.
		return nil
	}
	return invalid("Delivery stream %s cannot be encrypted on its own: this Sluice server encrypts everything it stores at rest or nothing, and it runs without encryption (start it with --encryption-key-file or SLUICE_ENCRYPTION_KEY).", name)
}

// sseTarget returns the delivery stream Start/StopDeliveryStreamEncryption
// act on: it must exist and be a DirectPut stream (a data stream source's
// records are the data stream's, encrypted as it is, as on Firehose).
func (a *api) sseTarget(ctx context.Context, name string) error {
	def, st, err := a.mgr.Describe(ctx, name)
	if err != nil {
		return err
	}
	if st.State == delivery.StatusCreating || st.State == delivery.StatusDeleting {
		return fmt.Errorf("%w: %s is %s", delivery.ErrInUse, name, st.State)
	}
	if def.Source.Kind == delivery.SourceDataStream {
		return invalid("Delivery stream %s reads Kinesis stream %s: its records are encrypted as that stream's are, so server-side encryption cannot be set on the delivery stream.", name, def.Source.Stream)
	}
	return nil
}

func (a *api) startEncryption(ctx context.Context, in *startEncryptionInput) (*empty, error) {
	if err := a.sseTarget(ctx, *in.DeliveryStreamName); err != nil {
		return nil, err
	}
	e := in.DeliveryStreamEncryptionConfigurationInput
	if e == nil {
		e = &encryptionConfigInput{}
	}
	return &empty{}, a.cfg.checkSSE(*in.DeliveryStreamName, e)
}

func (a *api) stopEncryption(ctx context.Context, in *stopEncryptionInput) (*empty, error) {
	if err := a.sseTarget(ctx, *in.DeliveryStreamName); err != nil {
		return nil, err
	}
	if a.cfg.EncryptedAtRest {
		return nil, invalid("Delivery stream %s cannot stop being encrypted: this Sluice server encrypts everything it stores at rest with its own key.", *in.DeliveryStreamName)
	}
	return &empty{}, nil // not encrypted: nothing to stop
}
