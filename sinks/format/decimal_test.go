package format

import (
	"bytes"
	"math/big"
	"testing"
)

func TestExactDecimal(t *testing.T) {
	tests := []struct {
		text             string
		scale, maxDigits int
		want             string // unscaled integer, or "!reason"
	}{
		{"0", 2, 5, "0"},
		{"-0.000", 2, 5, "0"},
		{"0e999999", 2, 5, "0"},
		{"1", 2, 5, "100"},
		{"1.5", 2, 5, "150"},
		{"-1.50", 2, 5, "-150"},
		{"1.500000", 2, 5, "150"},
		{".25", 2, 5, "25"},
		{"1.", 0, 5, "1"},
		{"+.25", 2, 5, "25"},
		{"1.5e2", 0, 5, "150"},
		{"15e-1", 1, 5, "15"},
		{"15E-3", 3, 5, "15"},
		{"999.99", 2, 5, "99999"},
		{"000123", 0, 3, "123"},
		{"1000", 2, 5, "!more than 5 digits"},
		{"1.005", 2, 5, "!more than 2 decimal places"},
		{"1.5", 0, 19, "!fractional"},
		{"1e-400", 2, 5, "!more than 2 decimal places"},
		{"1e400", 0, 38, "!more than 38 digits"},
		{"99999999999999999999999999999999999999", 0, 38, "99999999999999999999999999999999999999"},
	}
	for _, tt := range tests {
		d, ok := parseExactDecimal(tt.text)
		if !ok {
			t.Errorf("parseExactDecimal(%q) refused", tt.text)
			continue
		}
		n, reason := d.scaled(tt.scale, tt.maxDigits)
		got := "!" + reason
		if reason == "" {
			got = n.String()
		}
		if got != tt.want {
			t.Errorf("%q scaled(%d, %d) = %s, want %s", tt.text, tt.scale, tt.maxDigits, got, tt.want)
		}
	}
	for _, bad := range []string{"", "-", ".", "1..2", "e5", "1e", "1e+", "0x10", "1_000", " 1", "1 ", "--1", "Infinity"} {
		if _, ok := parseExactDecimal(bad); ok {
			t.Errorf("parseExactDecimal(%q) accepted", bad)
		}
	}
}

func TestDecimalBytes(t *testing.T) {
	// The sizes Spark and Hive use for FIXED_LEN_BYTE_ARRAY decimals.
	for precision, want := range map[int]int{1: 1, 2: 1, 3: 2, 4: 2, 9: 4, 10: 5, 18: 8, 19: 9, 38: 16} {
		if got := decimalBytes(precision); got != want {
			t.Errorf("decimalBytes(%d) = %d, want %d", precision, got, want)
		}
	}
	for _, tt := range []struct {
		n    int64
		size int
		want []byte
	}{
		{0, 2, []byte{0, 0}},
		{1, 2, []byte{0, 1}},
		{-1, 2, []byte{0xff, 0xff}},
		{-256, 3, []byte{0xff, 0xff, 0x00}},
		{32767, 2, []byte{0x7f, 0xff}},
		{-32768, 2, []byte{0x80, 0x00}},
	} {
		if got := twosComplement(big.NewInt(tt.n), tt.size); !bytes.Equal(got, tt.want) {
			t.Errorf("twosComplement(%d, %d) = %x, want %x", tt.n, tt.size, got, tt.want)
		}
	}
}
