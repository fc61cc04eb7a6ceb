// Command benchreport reads the output of `make bench` (go test -bench
// lines) and prints every ratio issue 11 set a goal for, each against the
// anchor measured in the same run: PutRecords against raw JetStream
// publish and kinesalite, delivery against raw JetStream publish of the
// same records, transforms against the same logic in native Go, with the
// latencies and the server's peak RSS. Where a benchmark ran several
// times (-count), it takes the median.
//
//	go run ./internal/benchreport bench.out
package main
