// Package e2e holds Sluice's end-to-end tests and benchmarks of delivery
// streams: a whole server (in-process host.Open, or the real sluice binary
// as a child process killed with SIGKILL) fed through the AWS SDK's
// Firehose and Kinesis clients, with real transforms from transforms/, a
// real S3-compatible server (internal/s3test) and the Parquet it writes
// read back by Apache Arrow's Go implementation.
//
// The package has no code of its own besides this file: everything is in
// its tests. Run it with
//
//	bash scripts/build-wasm.sh            # the transforms it pushes
//	go test ./internal/e2e/
//	go test -run '^$' -bench DirectPut -benchtime 50000x ./internal/e2e/
//	go test -run '^$' -bench PutToVisible -benchtime 5x ./internal/e2e/
package e2e
