// Package s3 is the S3-compatible object storage destination: an
// sinks.ObjectStore whose Put is one PutObject (AWS S3, versitygw, MinIO,
// Ceph and the like, by endpoint, region, credentials and path-style
// addressing). Its credentials are static keys, or the SDK's default chain
// when Config.AmbientCredentials asks for it: never by default.
//
// Every Put sends a Content-MD5 of the body (and the SDK adds its CRC32
// checksum), so a body corrupted on the way is refused by the server
// instead of stored. An object is one PutObject: S3 takes up to 5 GiB in
// one request, far above a delivery batch's 128 MiB, so there is no
// multipart upload; a PutObject is atomic, so a reader never sees part of
// an object.
//
// # Errors
//
// Put's failures are *Error values. Error.Retryable reports whether trying
// again may succeed: network failures, 5xx answers, throttling (SlowDown,
// 429) and bodies corrupted in transit (BadDigest) are retryable; a missing
// bucket, denied access, bad credentials and other 4xx answers are not.
// errors.Is(err, ErrNoSuchBucket) and errors.Is(err, ErrAccessDenied) name
// the common permanent causes. The delivery engine checks
//
//	var r interface{ Retryable() bool }
//	retry := errors.As(err, &r) && r.Retryable()
//
// # Probe
//
// Store.Probe is one HeadBucket with the store's credentials, writing
// nothing: a 404 (no such bucket), 403 (access denied, a bad signature) or
// another 4xx answer is a permanent *sinks.ProbeError; no answer, a 5xx or
// throttling is not.
package s3
