package streams

import "strconv"

// sequenceDigits is the width of a formatted sequence number: a uint64 has
// at most 20 decimal digits, so every sequence number sorts as text too.
const sequenceDigits = 20

// FormatSequence turns a JetStream stream sequence into a Kinesis sequence
// number: decimal, zero padded to 20 digits.
func FormatSequence(seq uint64) string {
	var buf [sequenceDigits]byte
	s := strconv.AppendUint(buf[:0], seq, 10)
	out := make([]byte, sequenceDigits)
	pad := sequenceDigits - len(s)
	for i := range pad {
		out[i] = '0'
	}
	copy(out[pad:], s)
	return string(out)
}

// ParseSequence reads a sequence number: 1 to 20 decimal digits fitting in
// a uint64. Anything else is ErrInvalidArgument naming field.
func ParseSequence(field, s string) (uint64, error) {
	if s == "" || len(s) > sequenceDigits+8 {
		return 0, errorf(ErrInvalidArgument, "%s %q is not a valid sequence number", field, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errorf(ErrInvalidArgument, "%s %q is not a valid sequence number", field, s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errorf(ErrInvalidArgument, "%s %q is not a valid sequence number", field, s)
	}
	return v, nil
}
