package awscbor

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// DecodeError is a request body that does not decode: Message says what
// was wrong, in the protocol's terms (member names as sent, CBOR types),
// never in Go's.
type DecodeError struct {
	Message string
}

func (e *DecodeError) Error() string { return e.Message }

// timeGoType marks a *cbor.UnmarshalTypeError raised by a timestamp's
// decoder (see UnmarshalTypeError in time.go).
const timeGoType = "timestamp"

// decodeError describes a decoding failure of the cbor library.
func decodeError(err error) *DecodeError {
	var (
		typ  *cbor.UnmarshalTypeError
		dup  *cbor.DupMapKeyError
		syn  *cbor.SyntaxError
		sem  *cbor.SemanticError
		nest *cbor.MaxNestedLevelError
		arr  *cbor.MaxArrayElementsError
		mp   *cbor.MaxMapPairsError
		ext  *cbor.ExtraneousDataError
		own  *DecodeError
	)
	switch {
	case errors.As(err, &own):
		return own
	case errors.As(err, &typ):
		return &DecodeError{Message: typeMessage(typ)}
	case errors.As(err, &dup):
		return &DecodeError{Message: fmt.Sprintf("Request body is not valid: the key %s appears twice in one map.", keyString(dup.Key))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &DecodeError{Message: "Request body is not valid CBOR: it ends in the middle of a data item."}
	case errors.As(err, &syn), errors.As(err, &sem), errors.As(err, &nest), errors.As(err, &arr), errors.As(err, &mp), errors.As(err, &ext):
		return &DecodeError{Message: "Request body is not valid CBOR: " + strings.TrimPrefix(err.Error(), "cbor: ") + "."}
	default:
		return &DecodeError{Message: "Request body could not be decoded as CBOR."}
	}
}

func keyString(k any) string {
	if s, ok := k.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return "(a non-text key)"
}

// typeMessage says which member had a value of the wrong CBOR type. The
// member is the outermost one the value sits in (Records, for a bad Data
// in one of PutRecords' records); its name is the wire name.
func typeMessage(e *cbor.UnmarshalTypeError) string {
	field := "request"
	if e.StructFieldName != "" {
		field = e.StructFieldName[strings.LastIndexByte(e.StructFieldName, '.')+1:]
	}
	if strings.Contains(e.Error(), "overflows") {
		return fmt.Sprintf("Field %s: the number is out of range.", field)
	}
	return fmt.Sprintf("Field %s: expected %s, found %s.", field, expected(e.GoType), found(e.CBORType))
}

// expected names what a Go type is decoded from.
func expected(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case t == timeGoType:
		return "a timestamp (epoch milliseconds, CBOR tag 1 around a number)"
	case t == "string":
		return "a text string"
	case t == "[]uint8":
		return "a byte string"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	default: // maps and structures
		return "a map"
	}
}

// found names a CBOR type as the cbor library reports it.
func found(cborType string) string {
	switch cborType {
	case "positive integer", "negative integer":
		return "an integer"
	case "byte string":
		return "a byte string"
	case "UTF-8 text string":
		return "a text string"
	case "array":
		return "an array"
	case "map":
		return "a map"
	case "tag":
		return "a tagged value"
	case "primitives":
		return "a simple value (boolean, null or float)"
	}
	return cborType
}
