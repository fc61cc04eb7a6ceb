package host

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/memlimit"
)

// TestMemoryLimitInREADME: the README states the default memory limit
// that memlimit.Default derives from MemoryBudget, in both places.
func TestMemoryLimitInREADME(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	d := memlimit.Default(MemoryBudget(Config{}), 0)
	want := fmt.Sprintf("%d MiB in all", (d+1<<19)>>20) // rounded to a MiB
	if n := strings.Count(string(b), want); n != 2 {
		t.Fatalf("README says %q %d times, want 2 (the --memory-limit flag and the Limits table)", want, n)
	}
}
