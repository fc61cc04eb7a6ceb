package bytesize

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// ErrSyntax: a size is not a number with an optional unit.
var ErrSyntax = errors.New("not a size")

// units are the suffixes Parse accepts. K, M, G, T are powers of 1024, as
// nats-server's configuration and df -h read them.
var units = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// Parse reads "512MiB", "20GiB", "10G", "1.5TB", "2MB" or a number of bytes
// (case and spaces around the number do not matter). A negative size, one
// past math.MaxInt64/2 or anything else is ErrSyntax; range checks are the
// caller's.
func Parse(s string) (int64, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range units {
		if num, ok := strings.CutSuffix(in, u.suffix); ok {
			in, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(in, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, ErrSyntax
	}
	b := v * mult
	if b < 0 || b > math.MaxInt64/2 {
		return 0, ErrSyntax
	}
	return int64(b), nil
}

// Format writes n in the largest binary unit that divides it, else as a
// number of bytes, so that Parse reads it back exactly.
func Format(n int64) string {
	for _, u := range []struct {
		s string
		m int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.m && n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10)
}

// Human writes n for people: MiB with one decimal, or GiB past 10 GiB.
func Human(n int64) string {
	if n >= 10<<30 {
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
