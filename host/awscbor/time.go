package awscbor

import (
	"math"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// tagEpoch is CBOR tag 1, which the Java SDKs put around a timestamp's
// epoch milliseconds.
const tagEpoch = 1

// AppendTime appends t as the Java SDKs write a timestamp: tag 1 around
// the integer t.UnixMilli() (0xc1 0x1b and eight bytes for any time
// after 1970-02-19).
func AppendTime(dst []byte, t time.Time) []byte {
	dst = appendHead(dst, majorTag, tagEpoch)
	return AppendInt(dst, t.UnixMilli())
}

// ParseTime reads data, one CBOR data item, as a timestamp: epoch
// milliseconds as an integer or a float (rounded to the millisecond),
// inside tag 1 or untagged. Null and undefined are an absent timestamp
// (ok false). Anything else is an error that Unmarshal reports with the
// member's name.
func ParseTime(data []byte) (ms int64, ok bool, err error) {
	b := data
	if len(b) > 0 && b[0]>>5 == majorTag {
		tag, rest, err := readArg(b)
		if err != nil {
			return 0, false, TimeError("a malformed data item")
		}
		if tag != tagEpoch {
			return 0, false, TimeError("a value under CBOR tag " + strconv.FormatUint(tag, 10))
		}
		b = rest
	}
	if len(b) == 0 {
		return 0, false, TimeError("a malformed data item")
	}
	switch major := b[0] >> 5; major {
	case majorUint, majorNegInt:
		n, rest, err := readArg(b)
		if err != nil || len(rest) != 0 {
			return 0, false, TimeError("a malformed data item")
		}
		if n > math.MaxInt64 {
			return 0, false, TimeError("a number out of range")
		}
		if major == majorNegInt {
			return -1 - int64(n), true, nil
		}
		return int64(n), true, nil
	case majorSimple:
		switch b[0] {
		case simpleNull, simpleUndefined:
			return 0, false, nil
		case floatHalf, floatSingle, floatDouble:
			var f float64
			if err := decMode.Unmarshal(b, &f); err != nil {
				return 0, false, TimeError("a malformed data item")
			}
			// The bounds are exact float64 values; int64 conversion of
			// anything inside them is defined.
			if math.IsNaN(f) || f >= 0x1p63 || f < -0x1p63 {
				return 0, false, TimeError("a number out of range")
			}
			return int64(math.Round(f)), true, nil
		}
		return 0, false, TimeError("a simple value (boolean)")
	default:
		return 0, false, TimeError(found(majorNames[major]))
	}
}

// TimeError is the error of a timestamp member whose value is not one,
// which Unmarshal reports with the member's name: "Field Timestamp:
// expected a timestamp (...), found <what>."
func TimeError(what string) error {
	return &cbor.UnmarshalTypeError{CBORType: what, GoType: timeGoType}
}
