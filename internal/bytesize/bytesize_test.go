package bytesize

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "512MiB", want: 512 << 20},
		{in: "10G", want: 10 << 30},
		{in: "20gib", want: 20 << 30},
		{in: " 1.5 TB ", want: 1_500_000_000_000},
		{in: "2MB", want: 2_000_000},
		{in: "64k", want: 64 << 10},
		{in: "1048576", want: 1 << 20},
		{in: "0", want: 0},
		{in: "12b", want: 12},
		{in: "-5MiB", bad: true},
		{in: "abc", bad: true},
		{in: "", bad: true},
		{in: "NaNMiB", bad: true},
		{in: "InfGiB", bad: true},
		{in: "9999999TiB", bad: true},
	} {
		got, err := Parse(c.in)
		if c.bad {
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("%q: %d, %v; want ErrSyntax", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %d, %v; want %d", c.in, got, err, c.want)
			continue
		}
		if again, err := Parse(Format(got)); err != nil || again != got {
			t.Errorf("%q: Format %q reads back as %d, %v", c.in, Format(got), again, err)
		}
	}
}

func TestHuman(t *testing.T) {
	for in, want := range map[int64]string{
		192 << 20: "192.0 MiB",
		3 << 29:   "1536.0 MiB",
		12 << 30:  "12.0 GiB",
	} {
		if got := Human(in); got != want {
			t.Errorf("Human(%d) = %q, want %q", in, got, want)
		}
	}
}
