//go:build race

package delivery

// raceEnabled: the race detector slows the engine about tenfold, so the
// scale test sends fewer records under it.
const raceEnabled = true
