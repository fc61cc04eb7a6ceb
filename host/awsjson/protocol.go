package awsjson

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sluice-io/sluice/host/awscbor"
)

// Protocol is a wire format of the AWS protocols a Mux serves: the same
// operations, members and errors, encoded as JSON 1.1 or as CBOR 1.1.
type Protocol int

const (
	// JSON is AWS JSON 1.1 (application/x-amz-json-1.1): blobs as base64
	// strings, timestamps as epoch seconds with millisecond decimals.
	JSON Protocol = iota
	// CBOR is AWS CBOR 1.1 (application/x-amz-cbor-1.1, see host/awscbor):
	// blobs as byte strings, timestamps as epoch milliseconds under CBOR
	// tag 1. A Mux serves it only for the targets AllowCBOR names.
	CBOR
)

// ProtocolOf is the protocol of a request by its Content-Type: CBOR for
// application/x-amz-cbor-1.1, JSON for anything else (the AWS CLI and
// SDKs send application/x-amz-json-1.1; some clients send
// application/json, or nothing).
func ProtocolOf(r *http.Request) Protocol {
	if awscbor.Is(r.Header.Get("Content-Type")) {
		return CBOR
	}
	return JSON
}

// ContentType is the content type of the protocol's answers.
func (p Protocol) ContentType() string {
	if p == CBOR {
		return awscbor.ContentType
	}
	return ContentType
}

func (p Protocol) String() string {
	if p == CBOR {
		return "CBOR"
	}
	return "JSON"
}

// Decode reads a request body into v as the operations read their input
// (see Func): JSON with Decode, CBOR with DecodeCBOR. host/auth decodes
// the names a request acts on with it, so that both read the same ones.
func (p Protocol) Decode(body []byte, v any) error {
	if p == CBOR {
		return DecodeCBOR(body, v)
	}
	return Decode(body, v)
}

// marshal encodes an answer.
func (p Protocol) marshal(v any) ([]byte, error) {
	if p == CBOR {
		return awscbor.Marshal(v)
	}
	return json.Marshal(v)
}

// emptyBody is what a request without a body decodes as: an empty
// structure.
func (p Protocol) emptyBody() []byte {
	if p == CBOR {
		return []byte{0xa0}
	}
	return []byte("{}")
}

// DecodeCBOR reads a CBOR request body into v, turning every decoding
// failure into a SerializationException that says what was wrong.
func DecodeCBOR(body []byte, v any) error {
	err := awscbor.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var de *awscbor.DecodeError
	if errors.As(err, &de) {
		return Errorf(TypeSerialization, "%s", de.Message)
	}
	return Errorf(TypeSerialization, "Request body could not be read: %v.", err)
}
