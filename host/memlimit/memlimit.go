package memlimit

import (
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"strings"

	"github.com/sluice-io/sluice/internal/bytesize"
)

// Bounds of the limit.
const (
	// MachinePercent caps the default: at most this share of the memory
	// the process may use (its cgroup's limit, else physical memory), so
	// the rest is left to the page cache, the kernel and other processes.
	MachinePercent = 75
	// Base is the memory the server needs besides its buffer budgets: an
	// idle server's heap and runtime (its resident set is 31-40 MB, of
	// which about 20 MB is the binary's own pages, outside the limit).
	Base = 32 << 20
	// Min is the smallest explicit limit: below it the garbage collector
	// would run all the time just to hold an idle server.
	Min = 32 << 20
	// Env is the Go runtime's own setting, which wins over the flag.
	Env = "GOMEMLIMIT"
)

// ErrBadLimit: a memory limit does not parse or is out of range.
var ErrBadLimit = errors.New("bad memory limit")

// Limit is the value of `sluice serve --memory-limit`: the zero value is
// the default (derived from the buffer budgets and the machine; see
// Default), Off turns the limit off, Bytes sets it. It is a flag value
// (Set, String, Type), parsed by the same code that Resolve uses.
type Limit struct {
	// Bytes, when > 0, is the limit.
	Bytes int64
	// Off, when true, sets no limit (Go's own default).
	Off bool
}

// Parse reads "auto" (the default), "off" or "0" (no limit), or a size:
// "512MiB", "1GiB", "400M" or a number of bytes, at least Min.
func Parse(s string) (Limit, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	switch in {
	case "auto", "default":
		return Limit{}, nil
	case "off", "none", "0":
		return Limit{Off: true}, nil
	}
	b, err := bytesize.Parse(in)
	if err != nil {
		return Limit{}, fmt.Errorf("%w: %q: want a size such as 512MiB or 1GiB, auto, or off", ErrBadLimit, s)
	}
	if b == 0 {
		return Limit{Off: true}, nil
	}
	if b < Min {
		return Limit{}, fmt.Errorf("%w: %q: the limit must be at least %s (or off)", ErrBadLimit, s, bytesize.Format(Min))
	}
	return Limit{Bytes: b}, nil
}

// Set parses s into l (the flag.Value interface).
func (l *Limit) Set(s string) error {
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// String is the limit as Parse reads it.
func (l *Limit) String() string {
	switch {
	case l == nil:
		return ""
	case l.Off:
		return "off"
	case l.Bytes > 0:
		return bytesize.Format(l.Bytes)
	}
	return "auto"
}

// Type names the flag's value type in help texts.
func (l *Limit) Type() string { return "size|auto|off" }

// Default is the limit when none is asked for: Base plus budgets (the sum
// of the server's buffer budgets in bytes, host.MemoryBudget), but at most
// MachinePercent of what System.Memory says the process may use. machine
// is that memory (0 when unknown: then only the budgets count). See
// RATIONALE.md ("Memory") for why no multiple of the budgets.
func Default(budgets, machine int64) int64 {
	d := Base + budgets
	if machine > 0 {
		d = min(d, int64(float64(machine)*MachinePercent/100))
	}
	return max(d, Min)
}

// Decision is the memory limit Resolve chose and why.
type Decision struct {
	// Bytes is the limit; 0 means none (math.MaxInt64 to the runtime).
	Bytes int64
	// From is "GOMEMLIMIT", "--memory-limit" or "default".
	From string
	// Machine is the memory the process may use, and MachineFrom where
	// that figure came from ("cgroup", "physical" or "" if unknown).
	Machine     int64
	MachineFrom string
}

// Resolve chooses the process's memory limit: GOMEMLIMIT when it is set
// in the environment (the Go runtime has applied it at start, and an
// operator setting it means it), else the flag's value, else Default.
// getenv is os.Getenv in the server.
func Resolve(l Limit, budgets int64, sys System, getenv func(string) string) Decision {
	machine, from := sys.Memory()
	d := Decision{Machine: machine, MachineFrom: from}
	switch {
	case getenv(Env) != "":
		d.From = Env
		if cur := debug.SetMemoryLimit(-1); cur != math.MaxInt64 {
			d.Bytes = cur
		}
	case l.Off:
		d.From = "--memory-limit"
	case l.Bytes > 0:
		d.From, d.Bytes = "--memory-limit", l.Bytes
	default:
		d.From, d.Bytes = "default", Default(budgets, machine)
	}
	return d
}

// Apply sets the Go runtime's memory limit to d (debug.SetMemoryLimit),
// unless it came from GOMEMLIMIT, which the runtime applied at start. It
// returns the limit in force afterwards (math.MaxInt64 for none).
func Apply(d Decision) int64 {
	switch {
	case d.From == Env:
	case d.Bytes > 0:
		debug.SetMemoryLimit(d.Bytes)
	default:
		debug.SetMemoryLimit(math.MaxInt64)
	}
	return debug.SetMemoryLimit(-1)
}

// DefaultHelp says in a help text how the default is derived.
var DefaultHelp = fmt.Sprintf("%s plus the server's buffer budgets, at most %d%% of the cgroup's memory limit or the physical memory",
	bytesize.Format(Base), MachinePercent)
