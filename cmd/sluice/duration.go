package main

import (
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// fmtDuration writes d as a person would: "48h", "1h30m", "2m5s", "1.5s",
// "250ms", not Go's "48h0m0s". Above a minute it keeps whole seconds,
// above a second milliseconds.
func fmtDuration(d time.Duration) string {
	switch a := d.Abs(); {
	case a >= time.Minute:
		d = d.Round(time.Second)
	case a >= time.Second:
		d = d.Round(time.Millisecond)
	case a >= time.Millisecond:
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// durationFlag is a time.Duration flag whose default shows as fmtDuration
// writes it ("24h", not "24h0m0s") in the help.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0" // what pflag takes for a zero default, which it does not show
	}
	return fmtDuration(*f.d)
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func (durationFlag) Type() string { return "duration" }

// durationVar defines a duration flag on fs, shown as fmtDuration does.
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationFlag{p}, name, usage)
}
