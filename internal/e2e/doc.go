// Package e2e holds Sluice's end-to-end tests and benchmarks of delivery
// streams: a whole server (in-process host.Open, or the real sluice binary
// as a child process killed with SIGKILL) fed through the AWS SDK's
// Firehose and Kinesis clients, with real transforms from transforms/, a
// real S3-compatible server (internal/s3test) and the Parquet it writes
// read back by Apache Arrow's Go implementation. TestModuleInit is a new
// user's first transform: `sluice module init` in every language, built
// with the real toolchains and run as its printed commands say.
//
// The package has no code of its own besides this file: everything is in
// its tests. Run it with
//
//	bash scripts/build-wasm.sh            # the transforms it pushes
//	go test ./internal/e2e/
//	go test -run '^$' -bench DirectPut -benchtime 50000x ./internal/e2e/
//	go test -run '^$' -bench PutToVisible -benchtime 5x ./internal/e2e/
//
// The fault tests (TestCrashCycles: kill -9 cycles under producers and two
// delivery streams; TestS3DestinationOutage; TestHTTPEndpointOutage) run
// short in `go test` and long in `make soak`. Their sizes come from the
// environment: SLUICE_SOAK_CYCLES and SLUICE_SOAK_SYNC_CYCLES (kill cycles
// with --sync default and always), SLUICE_SOAK_RECORDS and
// SLUICE_SOAK_SYNC_RECORDS (records per cycle), SLUICE_SOAK_S3_OUTAGE (a
// duration), and SLUICE_SOAK_SEED replays a run's random choices (every
// run prints its seed).
package e2e
