package awsjson

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/sluice-io/sluice/host/awscbor"
)

// Time is a timestamp on the wire as the AWS protocols send it: in JSON,
// epoch seconds as a number with millisecond precision (1515531081.123);
// in CBOR, epoch milliseconds as an integer under tag 1 (see
// host/awscbor). Either way it is read to the millisecond and must fall
// in years 1 to 9999.
type Time struct{ time.Time }

// MarshalJSON writes epoch seconds with exactly three decimals.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	b := strconv.AppendInt(nil, sec, 10)
	b = append(b, '.')
	if frac < 100 {
		b = append(b, '0')
	}
	if frac < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10), nil
}

// The range of timestamps a request may carry, in epoch seconds: years 1
// to 9999, what RFC 3339 (and so every place a time is written again) can
// represent.
const (
	minEpochSeconds = -62135596800 // 0001-01-01T00:00:00Z
	maxEpochSeconds = 253402300799 // 9999-12-31T23:59:59Z
)

// UnmarshalJSON reads epoch seconds (a number), rounding to milliseconds.
// A number outside years 1 to 9999 is a type error (a
// SerializationException through Decode).
func (t *Time) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: timeType}
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f < minEpochSeconds || f > maxEpochSeconds {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: timeType}
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// MarshalCBOR writes tag 1 around the epoch milliseconds, as the Java
// SDKs write and read timestamps.
func (t Time) MarshalCBOR() ([]byte, error) { return awscbor.AppendTime(nil, t.Time), nil }

// UnmarshalCBOR reads epoch milliseconds (awscbor.ParseTime); null leaves
// t unchanged. A time outside years 1 to 9999 is a type error (a
// SerializationException through DecodeCBOR).
func (t *Time) UnmarshalCBOR(b []byte) error {
	ms, ok, err := awscbor.ParseTime(b)
	if err != nil || !ok {
		return err
	}
	if ms < minEpochSeconds*1000 || ms > maxEpochSeconds*1000 {
		return awscbor.TimeError("a time outside years 1 to 9999")
	}
	t.Time = time.UnixMilli(ms).UTC()
	return nil
}

// jsonValueKind names the kind of a JSON value as UnmarshalTypeError's
// Value does.
func jsonValueKind(b []byte) string {
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}
