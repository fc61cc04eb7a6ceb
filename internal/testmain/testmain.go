package testmain

import (
	"fmt"
	"os"
	"testing"
)

// WithTempDir makes a temporary directory named by pattern (as
// os.MkdirTemp), sets *dir to it, runs the tests, removes the directory and
// exits with the tests' code. Call it from TestMain.
func WithTempDir(m *testing.M, pattern string, dir *string) {
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testmain:", err)
		os.Exit(1)
	}
	*dir = d
	code := m.Run()
	_ = os.RemoveAll(d)
	os.Exit(code)
}
