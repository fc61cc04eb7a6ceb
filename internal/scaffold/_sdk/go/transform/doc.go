// Package transform is the Go guest SDK for Sluice transforms: it hides the
// Sluice transform ABI v1 (sdk/ABI.md) behind a per-record or per-batch
// function, so a transform author writes only the transformation.
//
// A transform is a package main built as a WASI reactor:
//
//	package main
//
//	import (
//		"bytes"
//
//		"github.com/sluice-io/sluice/sdk/go/transform"
//	)
//
//	func init() {
//		transform.OnRecord(func(r transform.Record) (transform.Result, error) {
//			return transform.Ok(bytes.ToUpper(r.Data)), nil
//		})
//	}
//
//	func main() {}
//
// built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o upper.wasm .
//
// # Entry point: register in init, not main
//
// With -buildmode=c-shared the Go toolchain produces a WASI reactor: the host
// runs its _initialize export once, which starts the Go runtime and runs every
// package's init functions, and then calls the exported functions. main.main
// is never run in this mode (see runtime.main: "A program compiled with
// -buildmode=c-archive or c-shared has a main, but it is not executed"), yet
// the compiler still requires package main to declare it. So the transform
// registers its function with [OnRecord] or [OnBatch] from func init, and
// func main stays empty. Exactly one registration is allowed; a module that
// registers none, or more than one, fails every batch with a message that
// says so.
//
// # Errors
//
// An error returned by a record function marks that record ProcessingFailed
// with the error's text; the rest of the batch goes on. An error returned by
// a batch function fails the whole batch (the host retries it and then sends
// it to the error output). A panic in either is recovered and fails the batch
// with the panic's message, rather than trapping the instance.
//
// # Testing on the host
//
// The ABI lives behind build tags: on GOOS=wasip1 the package exports
// sluice_abi_version_1, sluice_alloc and sluice_transform and imports the
// sluice host functions; on every other platform the same API is backed by
// stubs, so go test and go vet run a transform's logic natively. On the host,
// [Log] writes to standard error and [KVGet] returns [ErrNoHost].
package transform
