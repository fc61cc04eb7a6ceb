//go:build race

package e2e

// raceEnabled: the race detector slows the server about tenfold, so the
// scale test sends fewer records under it.
const raceEnabled = true
