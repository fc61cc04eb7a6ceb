package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/rest"
)

// The fault tests' sizes come from the environment. The defaults are the
// short versions `make test` runs; `make soak` sets the long ones.
const (
	envSeed        = "SLUICE_SOAK_SEED"         // the random seed (default: from the clock, printed)
	envCycles      = "SLUICE_SOAK_CYCLES"       // kill -9 cycles with --sync default
	envSyncCycles  = "SLUICE_SOAK_SYNC_CYCLES"  // kill -9 cycles with --sync always
	envRecords     = "SLUICE_SOAK_RECORDS"      // records the producers make per cycle (--sync default)
	envSyncRecords = "SLUICE_SOAK_SYNC_RECORDS" // records per cycle with --sync always (slower: an fsync per put)
	envS3Outage    = "SLUICE_SOAK_S3_OUTAGE"    // how long the S3 destination is down
)

// soakConfig is the size of the fault tests.
type soakConfig struct {
	seed        uint64
	cycles      int
	syncCycles  int
	records     int
	syncRecords int
	s3Outage    time.Duration
}

// loadSoakConfig reads the environment, failing the test on a value that
// does not parse.
func loadSoakConfig(t testing.TB) soakConfig {
	t.Helper()
	c := soakConfig{
		seed:        uint64(time.Now().UnixNano()),
		cycles:      envInt(t, envCycles, 4),
		syncCycles:  envInt(t, envSyncCycles, 2),
		records:     envInt(t, envRecords, 3000),
		syncRecords: envInt(t, envSyncRecords, 1500),
		s3Outage:    25 * time.Second,
	}
	if v := os.Getenv(envSeed); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", envSeed, v, err)
		}
		c.seed = s
	}
	if v := os.Getenv(envS3Outage); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration such as 3m", envS3Outage, v)
		}
		c.s3Outage = d
	}
	return c
}

// logSeed prints the seed and how to use it again.
func (c soakConfig) logSeed(t testing.TB) {
	t.Helper()
	t.Logf("random seed %d: rerun with %s=%d", c.seed, envSeed, c.seed)
}

func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a whole number >= 0", name, v)
	}
	return n
}

// rng is the test's random source for one sub-test: the seed and a
// stream number, so each sub-test's choices replay alone.
func (c soakConfig) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.seed, stream))
}

// deliveryStatus asks for a delivery stream's status without failing the
// test: the server may be gone (it is about to be killed, or was).
func deliveryStatus(endpoint, name string) (rest.DeliveryStream, error) {
	var d rest.DeliveryStream
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(endpoint + "/v1/delivery-streams/" + name)
	if err != nil {
		return d, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("%s", resp.Status)
	}
	return d, json.NewDecoder(resp.Body).Decode(&d)
}

// waitCaughtUp waits until a delivery stream's checkpoint reaches seq. It
// gives up only when the checkpoint has not moved for waitLimit, so a long
// backlog on a slow machine is not a failure, and a stuck one is.
func waitCaughtUp(t testing.TB, endpoint, name string, seq uint64) {
	t.Helper()
	var last uint64
	moved := time.Now()
	for {
		d := describeDelivery(t, endpoint, name)
		if d.Status.Checkpoint >= seq {
			return
		}
		if d.Status.Checkpoint != last {
			last, moved = d.Status.Checkpoint, time.Now()
		}
		if time.Since(moved) > waitLimit {
			t.Fatalf("%s: checkpoint stuck at %d for %v, want %d: %+v", name, last, waitLimit, seq, d.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// problems collects what a check found, so a failure lists every kind of
// defect at once (the first few of each), not just the first.
type problems struct {
	lines []string
	n     int
}

const maxProblems = 40

func (p *problems) add(format string, args ...any) {
	p.n++
	if len(p.lines) < maxProblems {
		p.lines = append(p.lines, fmt.Sprintf(format, args...))
	}
}

// report fails t with the problems, if any.
func (p *problems) report(t testing.TB, what string) {
	t.Helper()
	if p.n == 0 {
		return
	}
	more := ""
	if p.n > len(p.lines) {
		more = fmt.Sprintf("\n  ... and %d more", p.n-len(p.lines))
	}
	t.Errorf("%s: %d problems:\n  %s%s", what, p.n, strings.Join(p.lines, "\n  "), more)
}
