package natsd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-io/sluice/internal/disktest"
)

func TestParseStoreLimit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want StoreLimit
		bad  bool
	}{
		{in: "90%", want: StoreLimit{Percent: 90}},
		{in: " 1 %", want: StoreLimit{Percent: 1}},
		{in: "100%", want: StoreLimit{Percent: 100}},
		{in: "512MiB", want: StoreLimit{Bytes: 512 << 20}},
		{in: "10G", want: StoreLimit{Bytes: 10 << 30}},
		{in: "20gib", want: StoreLimit{Bytes: 20 << 30}},
		{in: "1.5TB", want: StoreLimit{Bytes: 1_500_000_000_000}},
		{in: "2MB", want: StoreLimit{Bytes: 2_000_000}},
		{in: "1048576", want: StoreLimit{Bytes: 1 << 20}},
		{in: "0%", bad: true},
		{in: "101%", bad: true},
		{in: "12", bad: true},
		{in: "-5MiB", bad: true},
		{in: "abc", bad: true},
		{in: "", bad: true},
		{in: "NaNMiB", bad: true},
	} {
		got, err := ParseStoreLimit(c.in)
		if c.bad {
			if !errors.Is(err, ErrBadStoreLimit) {
				t.Errorf("%q: err %v, want ErrBadStoreLimit", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		// String reads back as the same limit.
		if again, err := ParseStoreLimit(got.String()); err != nil || again != got {
			t.Errorf("%q: String %q reads back as %+v, %v", c.in, got.String(), again, err)
		}
	}
	var zero StoreLimit
	if zero.String() != "90%" {
		t.Errorf("zero limit is %q, want the default 90%%", zero.String())
	}
}

// TestStoreLimitCountsTheStore: a percentage is of what the store's files
// take plus what is free, so a store that filled the disk keeps its limit
// at the next start (JetStream's own default, 75 % of the free space
// alone, shrinks below what is stored).
func TestStoreLimitCountsTheStore(t *testing.T) {
	dir := disktest.Tmpfs(t, 64<<20)
	store := filepath.Join(dir, "jetstream")
	if err := os.MkdirAll(filepath.Join(store, "blocks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(store, "blocks", "1.blk"), make([]byte, 32<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	free := disktest.Free(t, dir)
	got, err := StoreLimit{Percent: 50}.resolve(store)
	if err != nil {
		t.Fatal(err)
	}
	want := (32<<20 + free) / 2
	if d := got - want; d < -(1<<20) || d > 1<<20 {
		t.Fatalf("50%% is %d bytes, want about %d (half of 32 MiB stored + %d free)", got, want, free)
	}
	// A store directory that does not exist yet counts nothing.
	got, err = StoreLimit{}.resolve(filepath.Join(dir, "new", "jetstream"))
	if err != nil {
		t.Fatal(err)
	}
	if want := free * DefaultMaxStorePercent / 100; got < want-(1<<20) || got > want+(1<<20) {
		t.Fatalf("default limit of an empty store %d, want about %d", got, want)
	}
}
