package transform

import (
	"errors"
	"fmt"
)

// The kv_get return codes below zero, and kvNoHost, which only the host
// stub returns.
const (
	kvNotFound     = -1
	kvNotGranted   = -2
	kvLookupFailed = -3
	kvNoHost       = -1000
)

// kvInitialBuffer is the size of the first buffer KVGet offers the host;
// it grows to fit the largest value seen.
const kvInitialBuffer = 4 << 10

// kvMaxAttempts bounds the grow-and-retry loop of KVGet: the value can
// change (and grow) between two calls.
const kvMaxAttempts = 4

// Errors of KVGet, wrapped with the bucket and key.
var (
	// ErrKVNotGranted means the pipeline did not grant the bucket to this module.
	ErrKVNotGranted = errors.New("bucket not granted to this module")
	// ErrKVLookupFailed means the bucket does not exist or the host could not reach it.
	ErrKVLookupFailed = errors.New("lookup failed")
	// ErrNoHost means the code is not running inside Sluice (for example in go test).
	ErrNoHost = errors.New("not running inside Sluice: kv_get is only available to a wasip1 module")
)

// kvBuffer is the buffer KVGet offers the host, kept across calls.
var kvBuffer []byte

// KVGet reads the current value of key in the JetStream key-value bucket
// bucket. found is false (with a nil error) when the key does not exist or
// was deleted. The returned slice is the caller's to keep.
func KVGet(bucket, key string) (value []byte, found bool, err error) {
	value, found, kvBuffer, err = kvGet(bucket, key, kvBuffer, hostKVGet)
	return value, found, err
}

// kvGet calls the host through call, growing buf and retrying while the
// value does not fit. It returns the (possibly grown) buffer for reuse.
func kvGet(bucket, key string, buf []byte, call func(bucket, key string, out []byte) int32) ([]byte, bool, []byte, error) {
	if len(buf) == 0 {
		buf = make([]byte, kvInitialBuffer)
	}
	for range kvMaxAttempts {
		n := call(bucket, key, buf)
		switch {
		case n >= 0 && int(n) <= len(buf):
			return append([]byte(nil), buf[:n]...), true, buf, nil
		case n > maxAlloc:
			return nil, false, buf, fmt.Errorf("kv_get %s/%s: value of %d bytes is too large", bucket, key, n)
		case n >= 0:
			buf = make([]byte, n)
		case n == kvNotFound:
			return nil, false, buf, nil
		case n == kvNotGranted:
			return nil, false, buf, fmt.Errorf("kv_get %s/%s: %w", bucket, key, ErrKVNotGranted)
		case n == kvLookupFailed:
			return nil, false, buf, fmt.Errorf("kv_get %s/%s: %w", bucket, key, ErrKVLookupFailed)
		case n == kvNoHost:
			return nil, false, buf, fmt.Errorf("kv_get %s/%s: %w", bucket, key, ErrNoHost)
		default:
			return nil, false, buf, fmt.Errorf("kv_get %s/%s: host returned %d", bucket, key, n)
		}
	}
	return nil, false, buf, fmt.Errorf("kv_get %s/%s: value kept growing over %d attempts", bucket, key, kvMaxAttempts)
}
