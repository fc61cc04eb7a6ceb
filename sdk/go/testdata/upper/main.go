// Command upper is the Go SDK's benchmark transform: it upper-cases each
// record's data (bytes.ToUpper, the same call as the native baseline in
// transforms/bench_test.go) and answers Ok.
package main

import (
	"bytes"

	"github.com/sluice-io/sluice/sdk/go/transform"
)

func init() {
	transform.OnRecord(func(r transform.Record) (transform.Result, error) {
		return transform.Ok(bytes.ToUpper(r.Data)), nil
	})
}

// main never runs in a -buildmode=c-shared module; the work is set up in init.
func main() {}
