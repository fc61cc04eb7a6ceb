package awsjson

import (
	"fmt"
	"net/http"
)

// Error names the protocol layer produces itself.
const (
	TypeSerialization    = "SerializationException"
	TypeUnknownOperation = "UnknownOperationException"
	TypeInternalFailure  = "InternalFailure"
	TypeValidation       = "ValidationException"
	TypeRequestTooLarge  = "RequestEntityTooLargeException"
	TypeMethodNotAllowed = "MethodNotAllowedException"
)

// Error is an error answered to the client as {"__type": Type,
// "message": Message} with HTTP status Status (400 when zero).
type Error struct {
	Type    string
	Message string
	Status  int
}

// Errorf builds an *Error of the given type with HTTP 400.
func Errorf(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func (e *Error) status() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// errorBody is the wire shape of an error.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}
