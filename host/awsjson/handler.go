package awsjson

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
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
// encoded as the response ({} when nil). An In that is a FastDecoder
// decodes its usual JSON itself. It is a CBORHandler: a CBOR
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
	if err := decode(p, body, in); err != nil {
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

// decode reads body into in: a JSON body first with in's own decoder, if
// it has one (FastDecoder), else, or when that declines, as Decode does.
func decode[In any](p Protocol, body []byte, in *In) error {
	if p == JSON {
		if fd, ok := any(in).(FastDecoder); ok {
			if fd.DecodeFastJSON(body) {
				return nil
			}
			*in = *new(In)
		}
	}
	return p.Decode(body, in)
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
		return Errorf(TypeSerialization, "%s", typeMessage(typ))
	case errors.As(err, &b64):
		return Errorf(TypeSerialization, "A blob field is not valid base64 (illegal data at input byte %d).", int64(b64))
	case errors.As(err, &syn):
		return Errorf(TypeSerialization, "Request body is not valid JSON at offset %d: %v.", syn.Offset, syn)
	default:
		return Errorf(TypeSerialization, "Request body could not be read: %v.", err)
	}
}

// typeMessage says what AWS's JSON protocol says of a member of the
// wrong type ("class java.lang.String can not be converted to an
// Integer", "Start of list found where not expected"): it names the
// types, not the member, and never Go's field paths.
func typeMessage(typ *json.UnmarshalTypeError) string {
	want := typ.Type
	for want.Kind() == reflect.Pointer {
		want = want.Elem()
	}
	found, _, _ := strings.Cut(typ.Value, " ")
	container := want.Kind() == reflect.Struct && want != timeType || want.Kind() == reflect.Map ||
		want.Kind() == reflect.Slice && want.Elem().Kind() != reflect.Uint8
	switch {
	case found == "object" && !container:
		return "Start of structure or map found where not expected."
	case found == "array" && !container:
		return "Start of list found where not expected"
	case want.Kind() == reflect.Slice && want.Elem().Kind() != reflect.Uint8:
		if found == "object" {
			return "Start of structure or map found where not expected."
		}
		return "Expected list or null"
	case want.Kind() == reflect.Map:
		if found == "array" {
			return "Start of list found where not expected"
		}
		return "Expected map or null"
	case want.Kind() == reflect.Struct && want != timeType:
		if found == "array" {
			return "Start of list found where not expected"
		}
		return "Expected null"
	}
	from := map[string]string{"string": "java.lang.String", "number": "java.math.BigDecimal", "bool": "java.lang.Boolean"}[found]
	if from == "" {
		from = "java.lang.Object"
	}
	if found == "number" && want == timeType {
		return fmt.Sprintf("Timestamp %s is out of range: it must fall in years 1 to 9999", strings.TrimPrefix(typ.Value, "number "))
	}
	if found == "number" && typ.Value != "number" && isInteger(want.Kind()) {
		// A number that does not fit the member (too large, or not whole).
		return fmt.Sprintf("Numeric value (%s) out of range of %s", strings.TrimPrefix(typ.Value, "number "), javaType(want))
	}
	return fmt.Sprintf("class %s can not be converted to %s", from, article(javaType(want)))
}

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// javaType is the Java type AWS's messages name for a member's Go type.
func javaType(t reflect.Type) string {
	if t == timeType {
		return "Timestamp"
	}
	switch t.Kind() {
	case reflect.String:
		return "String"
	case reflect.Bool:
		return "Boolean"
	case reflect.Int64, reflect.Uint64, reflect.Int, reflect.Uint:
		return "Long"
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return "Integer"
	case reflect.Float32, reflect.Float64:
		return "Double"
	case reflect.Slice:
		return "Blob"
	}
	return "Object"
}

// article is "an Integer" or "a Blob", as AWS writes it (which says "an
// String" too).
func article(javaType string) string {
	if javaType == "Blob" || javaType == "Timestamp" {
		return "a " + javaType
	}
	return "an " + javaType
}
