package kinesis

import (
	"context"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// Encryption types, as Kinesis names them.
const (
	EncryptionNone = "NONE"
	EncryptionKMS  = "KMS"
	// ServerKeyID is the KeyId DescribeStream shows for the server's own
	// key (a KMS alias name in form, so clients that parse KeyId keep
	// working; there is no KMS: it names the key JetStream encrypts with).
	ServerKeyID = "alias/sluice-jetstream"
	// maxKeyIDLen is KeyId's longest value in the Kinesis API.
	maxKeyIDLen = 2048
)

// Option configures the Kinesis API.
type Option func(*api)

// WithEncryptionAtRest says the server encrypts every stream at rest
// (JetStream encryption with the server's key): DescribeStream and
// DescribeStreamSummary show EncryptionType KMS with KeyId ServerKeyID,
// puts and records say KMS, StartStreamEncryption succeeds without
// changing anything and StopStreamEncryption is refused. Without it every
// stream is NONE, StartStreamEncryption is refused and
// StopStreamEncryption succeeds without changing anything.
func WithEncryptionAtRest() Option { return func(a *api) { a.encrypted = true } }

// encryptionType is what every stream's EncryptionType is on this server.
func (a *api) encryptionType() string {
	if a.encrypted {
		return EncryptionKMS
	}
	return EncryptionNone
}

// keyEncryption is a record's EncryptionType: KMS, or "" (absent).
func (a *api) keyEncryption() string {
	if a.encrypted {
		return EncryptionKMS
	}
	return ""
}

// keyID is DescribeStream's KeyId: "" (absent) when nothing is encrypted.
func (a *api) keyID() string {
	if a.encrypted {
		return ServerKeyID
	}
	return ""
}

type streamEncryptionInput struct {
	streamRef
	EncryptionType *string `json:"EncryptionType"`
	KeyId          *string `json:"KeyId"`
}

// validate checks Start/StopStreamEncryption's members as AWS does.
func (in *streamEncryptionInput) validate(v *violations) {
	v.enum("encryptionType", in.EncryptionType, true, EncryptionNone, EncryptionKMS)
	v.str("keyId", in.KeyId, true, 1, maxKeyIDLen, "")
	v.stream(in.streamRef)
}

// checkEncryptionInput returns the stream of Start/StopStreamEncryption,
// which must exist and be ACTIVE.
func (a *api) checkEncryptionInput(ctx context.Context, in *streamEncryptionInput) (string, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return "", err
	}
	s, err := a.e.DescribeStream(ctx, name)
	if err != nil {
		return "", err
	}
	if s.Status != streams.StatusActive {
		return "", awsjson.Errorf(ResourceInUse, "Stream %s is %s: it must be ACTIVE to change its encryption.", name, s.Status)
	}
	return name, nil
}

// startEncryption answers StartStreamEncryption according to what the
// server does: it encrypts every stream or none, so there is nothing to
// start per stream.
func (a *api) startEncryption(ctx context.Context, in *streamEncryptionInput) (*empty, error) {
	name, err := a.checkEncryptionInput(ctx, in)
	if err != nil {
		return nil, err
	}
	if *in.EncryptionType != EncryptionKMS {
		return nil, awsjson.Errorf(InvalidArgument, "EncryptionType must be KMS to start encryption.")
	}
	if !a.encrypted {
		return nil, awsjson.Errorf(InvalidArgument, "Stream %s cannot be encrypted on its own: this Sluice server encrypts every stream at rest or none, and it runs without encryption (start it with --encryption-key-file or %s).", name, "SLUICE_ENCRYPTION_KEY")
	}
	// Already encrypted, with the server's key (DescribeStream's KeyId):
	// the KeyId asked for is not used.
	return &empty{}, nil
}

// stopEncryption answers StopStreamEncryption according to what the
// server does.
func (a *api) stopEncryption(ctx context.Context, in *streamEncryptionInput) (*empty, error) {
	name, err := a.checkEncryptionInput(ctx, in)
	if err != nil {
		return nil, err
	}
	if *in.EncryptionType != EncryptionKMS {
		return nil, awsjson.Errorf(InvalidArgument, "EncryptionType must be KMS to stop encryption.")
	}
	if a.encrypted {
		return nil, awsjson.Errorf(InvalidArgument, "Stream %s cannot stop being encrypted: this Sluice server encrypts every stream at rest with its own key.", name)
	}
	return &empty{}, nil // not encrypted: nothing to stop
}
