package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Permanent causes, matched with errors.Is on an *Error.
var (
	ErrNoSuchBucket = errors.New("no such bucket")
	ErrAccessDenied = errors.New("access denied")
)

// Error is a failed Put.
type Error struct {
	Bucket, Key string
	// Code is S3's error code ("NoSuchBucket", "SlowDown"), if it answered.
	Code string
	// StatusCode is the HTTP status, 0 when no answer came.
	StatusCode int
	Err        error
	retryable  bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("s3 put s3://%s/%s: %v", e.Bucket, e.Key, e.Err)
}

// Unwrap returns the SDK's error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same Put may succeed later.
func (e *Error) Retryable() bool { return e.retryable }

// Is matches ErrNoSuchBucket and ErrAccessDenied by S3's error code.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNoSuchBucket:
		return e.Code == "NoSuchBucket"
	case ErrAccessDenied:
		return accessCodes[e.Code] || e.StatusCode == 403
	}
	return false
}

var accessCodes = map[string]bool{
	"AccessDenied": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"AllAccessDisabled": true, "AccountProblem": true, "InvalidToken": true, "ExpiredToken": true,
	// versitygw's answer (HTTP 404) to an access key it does not know.
	"XAdminUserNotFound": true,
}

// permanentCodes are S3 codes retrying cannot fix (beyond accessCodes).
var permanentCodes = map[string]bool{
	"NoSuchBucket": true, "InvalidBucketName": true, "EntityTooLarge": true,
	"KeyTooLongError": true, "MethodNotAllowed": true, "PermanentRedirect": true,
	"InvalidDigest": true, "InvalidArgument": true, "InvalidRequest": true,
	"MissingContentLength": true, "NotImplemented": true, "InvalidObjectState": true,
}

// transientCodes are S3 codes a later attempt may not meet.
var transientCodes = map[string]bool{
	"BadDigest": true, "XAmzContentSHA256Mismatch": true, "IncompleteBody": true,
	"InternalError": true, "ServiceUnavailable": true, "SlowDown": true,
	"RequestTimeout": true, "OperationAborted": true,
}

// classify wraps an SDK error from PutObject.
func classify(ctx context.Context, bucket, key string, err error) *Error {
	e := &Error{Bucket: bucket, Key: key, Err: err}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = api.ErrorCode()
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		e.StatusCode = status.HTTPStatusCode()
	}
	switch {
	case ctx.Err() != nil:
		e.retryable = false // the caller gave up
	case accessCodes[e.Code] || permanentCodes[e.Code]:
		e.retryable = false
	case transientCodes[e.Code]:
		e.retryable = true
	case retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary:
		e.retryable = true
	case e.StatusCode >= 500 || e.StatusCode == 429 || e.StatusCode == 408:
		e.retryable = true
	case e.StatusCode >= 400:
		e.retryable = false
	default:
		e.retryable = true // no answer: network trouble
	}
	return e
}
