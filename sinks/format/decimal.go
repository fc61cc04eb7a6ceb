package format

import (
	"fmt"
	"math/big"
	"strconv"
)

// maxExponent bounds the exponent of a number in decimal text; anything
// beyond it cannot fit any column type and is refused before any arithmetic.
const maxExponent = 400

// exactDecimal is a number exactly as its text wrote it:
// (-1)^neg × coef × 10^exp, coef a string of digits without leading zeros
// ("" for zero). Parsing the text instead of going through float64 keeps
// decimal and integer columns free of rounding.
type exactDecimal struct {
	neg  bool
	coef string
	exp  int
}

// parseExactDecimal parses JSON number syntax, leniently also accepting a
// leading "+", leading zeros and a missing integer or fraction part (".5",
// "5."), as decimal strings often carry them.
func parseExactDecimal(s string) (exactDecimal, bool) {
	var d exactDecimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	digits := make([]byte, 0, len(s))
	seen := false
	for ; i < len(s) && isDigit(s[i]); i++ {
		digits, seen = append(digits, s[i]), true
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			digits, seen = append(digits, s[i]), true
			d.exp--
		}
	}
	if !seen {
		return d, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		start := i
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return d, false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		e, err := strconv.Atoi(s[start:i])
		if err != nil || e > maxExponent || e < -maxExponent {
			e = maxExponent + 1 // far out of any range: refused by scaled
			if s[start] == '-' {
				e = -e
			}
		}
		d.exp += e
	}
	if i != len(s) {
		return d, false
	}
	j := 0
	for j < len(digits) && digits[j] == '0' {
		j++
	}
	d.coef = string(digits[j:])
	if d.coef == "" {
		d.neg, d.exp = false, 0
	}
	return d, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scaled returns the number times 10^scale as an integer of at most
// maxDigits digits, or a reason why it cannot be one without rounding.
func (d exactDecimal) scaled(scale, maxDigits int) (*big.Int, string) {
	if d.coef == "" {
		return new(big.Int), ""
	}
	coef := d.coef
	shift := d.exp + scale
	if shift < 0 {
		cut := -shift
		if cut > len(coef) {
			cut = len(coef)
		}
		for k := len(coef) - cut; k < len(coef); k++ {
			if coef[k] != '0' {
				if scale == 0 {
					return nil, "fractional"
				}
				return nil, fmt.Sprintf("more than %d decimal places", scale)
			}
		}
		// coef has no leading zero, so at least one digit remains here.
		coef = coef[:len(coef)-cut]
		shift = 0
	}
	if len(coef)+shift > maxDigits {
		return nil, fmt.Sprintf("more than %d digits", maxDigits)
	}
	n, _ := new(big.Int).SetString(coef, 10)
	if shift > 0 {
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	}
	if d.neg {
		n.Neg(n)
	}
	return n, ""
}

// decimalBytes is the length of the FIXED_LEN_BYTE_ARRAY holding a decimal
// of the given precision in two's complement: the fewest bytes n with
// 10^precision - 1 < 2^(8n-1).
func decimalBytes(precision int) int {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	for n := 1; ; n++ {
		if new(big.Int).Lsh(big.NewInt(1), uint(8*n-1)).Cmp(limit) >= 0 {
			return n
		}
	}
}

// twosComplement writes n big-endian in two's complement into a new slice
// of size bytes; n must fit.
func twosComplement(n *big.Int, size int) []byte {
	b := make([]byte, size)
	if n.Sign() >= 0 {
		return n.FillBytes(b)
	}
	m := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
	return m.Add(m, n).FillBytes(b)
}
