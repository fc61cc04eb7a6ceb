// Command exit3 is a WASI-command transform that fails: it writes two lines
// to stderr and exits with status 3.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "exit3: starting")
	fmt.Fprintln(os.Stderr, "fatal: config missing")
	os.Exit(3)
}
