package natsd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sluice-io/sluice/internal/bytesize"
)

// Store limit bounds.
const (
	// DefaultMaxStorePercent is the store limit when Config.MaxStore is
	// zero: this share of the space JetStream can use on the data
	// directory's file system when the server starts, that is what its
	// files take already plus what is free. Counting its own files keeps
	// the limit from shrinking as the store fills (JetStream's own default,
	// 75 % of the free space alone, does: a restart with a full store gave
	// a limit below what was stored); the rest of the disk is left to the
	// system, the wasm cache and folder destinations.
	DefaultMaxStorePercent = 90
	// MinMaxStore is the smallest limit accepted, in bytes.
	MinMaxStore = 1 << 20
)

// ErrBadStoreLimit: a store limit does not parse or is out of range.
var ErrBadStoreLimit = errors.New("bad store limit")

// StoreLimit is the most JetStream may store on disk: a size in bytes, or a
// percentage of the space it can use when the server starts (see
// DefaultMaxStorePercent). The zero value means the default percentage.
// It is a flag value (Set, String, Type), so `sluice serve --max-store`
// parses with the same code that Start resolves.
type StoreLimit struct {
	// Bytes, when > 0, is the limit.
	Bytes int64
	// Percent, when Bytes is 0, is the limit as 1..100 % of the space
	// available to the store at start; 0 means DefaultMaxStorePercent.
	Percent int
}

// ParseStoreLimit parses "90%", "512MiB", "20GiB", "10G", "1.5TB" or a
// number of bytes.
func ParseStoreLimit(s string) (StoreLimit, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if p, ok := strings.CutSuffix(in, "%"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 100 {
			return StoreLimit{}, fmt.Errorf("%w: %q: a percentage must be 1%% to 100%%", ErrBadStoreLimit, s)
		}
		return StoreLimit{Percent: n}, nil
	}
	b, err := bytesize.Parse(in)
	if err != nil {
		return StoreLimit{}, fmt.Errorf("%w: %q: want a size such as 512MiB, 20GiB or 10G, or a percentage such as 90%%", ErrBadStoreLimit, s)
	}
	if b < MinMaxStore {
		return StoreLimit{}, fmt.Errorf("%w: %q: the limit must be at least 1MiB", ErrBadStoreLimit, s)
	}
	return StoreLimit{Bytes: b}, nil
}

// Set parses s into l (the flag.Value interface).
func (l *StoreLimit) Set(s string) error {
	v, err := ParseStoreLimit(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// String is the limit as ParseStoreLimit reads it.
func (l *StoreLimit) String() string {
	switch {
	case l == nil:
		return ""
	case l.Bytes > 0:
		return bytesize.Format(l.Bytes)
	case l.Percent > 0:
		return strconv.Itoa(l.Percent) + "%"
	}
	return strconv.Itoa(DefaultMaxStorePercent) + "%"
}

// Type names the flag's value type in help texts.
func (l *StoreLimit) Type() string { return "size|percent" }

// resolve is the limit in bytes for a store kept in dir (which may not
// exist yet; its file system is that of its closest existing parent).
func (l StoreLimit) resolve(dir string) (int64, error) {
	if l.Bytes > 0 {
		if l.Bytes < MinMaxStore {
			return 0, fmt.Errorf("%w: %d bytes: the limit must be at least 1MiB", ErrBadStoreLimit, l.Bytes)
		}
		return l.Bytes, nil
	}
	pct := l.Percent
	if pct == 0 {
		pct = DefaultMaxStorePercent
	}
	if pct < 1 || pct > 100 {
		return 0, fmt.Errorf("%w: %d%%: a percentage must be 1%% to 100%%", ErrBadStoreLimit, pct)
	}
	free, err := freeBytes(existingParent(dir))
	if err != nil {
		return 0, fmt.Errorf("natsd: store limit %d%%: %w (set a size instead)", pct, err)
	}
	used, err := usedBytes(dir)
	if err != nil {
		return 0, fmt.Errorf("natsd: store limit %d%%: %w", pct, err)
	}
	return max(int64(float64(used+free)*float64(pct)/100), MinMaxStore), nil
}

// usedBytes is the space the files under dir take (0 if dir is missing).
func usedBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			n += diskUsage(info)
		}
		return nil
	})
	return n, err
}

func existingParent(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
