package auth

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/rest"
)

// The error names of a refused request: the AWS JSON protocols' own (see
// the package doc for where each was checked). The native REST API and
// /metrics answer with the same names in their own shape.
const (
	// CodeMissingToken: the request carries no signature at all.
	CodeMissingToken = "MissingAuthenticationTokenException"
	// CodeUnrecognizedClient: the access key id is not one the server has
	// (or the request carries a session token, which Sluice never issues).
	CodeUnrecognizedClient = "UnrecognizedClientException"
	// CodeInvalidSignature: the signature does not match (wrong secret, a
	// changed body or header), the clock is more than MaxClockSkew off, or
	// the credential scope names another region, service or date.
	CodeInvalidSignature = "InvalidSignatureException"
	// CodeIncompleteSignature: the Authorization header is malformed, or
	// an x-amz-* header is not signed.
	CodeIncompleteSignature = "IncompleteSignatureException"
	// CodeAccessDenied: the key is not allowed the action on the resource,
	// or a browser request was refused (Host, Origin).
	CodeAccessDenied = "AccessDeniedException"
	// CodeTooLarge: the body is over its route's limit, so it cannot be
	// read to check its hash.
	CodeTooLarge = awsjson.TypeRequestTooLarge
)

// Messages AWS answers, word for word.
const (
	msgMissingToken      = "Request is missing Authentication Token"
	msgUnrecognized      = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// Error is a refused request: an AWS error name, its message, and the
// HTTP status of the AWS JSON protocols.
type Error struct {
	Code    string
	Message string
	// Status is the JSON protocols' status (AWS answers 400 for all of
	// these); the REST API answers RESTStatus.
	Status int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code, format string, args ...any) *Error {
	status := http.StatusBadRequest
	if code == CodeTooLarge {
		status = http.StatusRequestEntityTooLarge
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

// RESTStatus is the status of e on the native REST API and /metrics: 401
// for a request that is not authenticated, 403 for one that is refused,
// 413 for a body over its limit.
func (e *Error) RESTStatus() int {
	switch e.Code {
	case CodeAccessDenied:
		return http.StatusForbidden
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnauthorized
}

// shape says how a refusal is written: as the AWS JSON protocols write
// errors, or as the native REST API does.
type shape int

const (
	shapeAWS shape = iota
	shapeREST
)

// write answers e to r in the given shape (the AWS shape in r's
// protocol, JSON or CBOR).
func (e *Error) write(w http.ResponseWriter, r *http.Request, s shape) {
	if s == shapeAWS {
		awsjson.WriteRequestError(w, r, &awsjson.Error{Type: e.Code, Message: e.Message, Status: e.Status})
		return
	}
	status := e.RESTStatus()
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", algorithm)
	}
	code := e.Code
	if code == CodeTooLarge {
		code = rest.CodeTooLarge
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rest.ErrorBody{Error: rest.ErrorDetail{Code: code, Message: e.Message}})
}
