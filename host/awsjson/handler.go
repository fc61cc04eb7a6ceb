package awsjson

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Handler serves one operation: body is the raw JSON request (never nil;
// "{}" when the request had none). It returns the value to encode as the
// response, or an error (an *Error is answered as it is; anything else is
// an InternalFailure).
type Handler interface {
	ServeAWS(ctx context.Context, body []byte) (any, error)
}

// HandlerFunc adapts a plain function to Handler.
type HandlerFunc func(ctx context.Context, body []byte) (any, error)

// ServeAWS calls f.
func (f HandlerFunc) ServeAWS(ctx context.Context, body []byte) (any, error) { return f(ctx, body) }

// CBORHandler is a Handler that also serves the CBOR protocol: body is
// the raw CBOR request (never nil; an empty map when the request had
// none). Its answer is encoded as CBOR. Handlers made by Func are
// CBORHandlers; a Mux serves CBOR only to those, for the targets
// AllowCBOR names.
type CBORHandler interface {
	Handler
	ServeCBOR(ctx context.Context, body []byte) (any, error)
}

// Func makes a Handler from a typed operation: the body is decoded into a
// fresh In (a body that does not parse, or a field of the wrong type or
// with bad base64, is a SerializationException) and the *Out returned is
// encoded as the response ({} when nil). It is a CBORHandler: a CBOR
// request is decoded into the same In (DecodeCBOR) and answered in CBOR,
// so one operation serves both protocols.
func Func[In, Out any](fn func(ctx context.Context, in *In) (*Out, error)) Handler {
	return typed[In, Out](fn)
}

// typed is the Handler Func makes.
type typed[In, Out any] func(ctx context.Context, in *In) (*Out, error)

var _ CBORHandler = typed[struct{}, struct{}](nil)

// ServeAWS serves a JSON request.
func (fn typed[In, Out]) ServeAWS(ctx context.Context, body []byte) (any, error) {
	return fn.serve(ctx, JSON, body)
}

// ServeCBOR serves a CBOR request.
func (fn typed[In, Out]) ServeCBOR(ctx context.Context, body []byte) (any, error) {
	return fn.serve(ctx, CBOR, body)
}

func (fn typed[In, Out]) serve(ctx context.Context, p Protocol, body []byte) (any, error) {
	in := new(In)
	if err := p.Decode(body, in); err != nil {
		return nil, err
	}
	out, err := fn(ctx, in)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return struct{}{}, nil
	}
	return out, nil
}

// Decode reads a JSON request body into v, turning every decoding failure
// into a SerializationException that says what was wrong.
func Decode(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		b64 base64.CorruptInputError
	)
	switch {
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "request"
		}
		return Errorf(TypeSerialization, "Field %s: expected %s, found JSON %s.", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &b64):
		return Errorf(TypeSerialization, "A blob field is not valid base64 (illegal data at input byte %d).", int64(b64))
	case errors.As(err, &syn):
		return Errorf(TypeSerialization, "Request body is not valid JSON at offset %d: %v.", syn.Offset, syn)
	default:
		return Errorf(TypeSerialization, "Request body could not be read: %v.", err)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int32", "int64", "uint", "uint32", "uint64", "float64", "float32":
		return "a number"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	}
	return fmt.Sprintf("a %s", goKind)
}
