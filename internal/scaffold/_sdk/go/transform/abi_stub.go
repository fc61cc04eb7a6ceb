//go:build !wasip1

package transform

import (
	"fmt"
	"io"
	"os"
)

// hostLog writes the message to standard error, so a transform's logging
// shows in go test output.
func hostLog(level Level, msg string) {
	fmt.Fprintf(stubLogOutput, "transform %s: %s\n", level, msg)
}

// hostKVGet reports that there is no host to ask.
func hostKVGet(bucket, key string, out []byte) int32 {
	return kvNoHost
}

// stubLogOutput is where hostLog writes outside Sluice; tests replace it.
var stubLogOutput io.Writer = os.Stderr
