package format

import (
	"errors"
	"strings"
	"testing"
)

// TestConversionErrors checks every reason a record is refused, with the
// field path it names.
func TestConversionErrors(t *testing.T) {
	schema := []Field{
		{Name: "id", Type: TypeInt64, Required: true},
		{Name: "n32", Type: TypeInt32},
		{Name: "f", Type: TypeFloat},
		{Name: "s", Type: TypeString},
		{Name: "ok", Type: TypeBoolean},
		{Name: "at", Type: TypeTimestampMS},
		{Name: "atus", Type: TypeTimestampUS},
		{Name: "day", Type: TypeDate},
		{Name: "amount", Type: TypeDecimal, Precision: 5, Scale: 2},
		{Name: "meta", Type: TypeStruct, Fields: []Field{
			{Name: "src", Type: TypeStruct, Required: true, Fields: []Field{{Name: "host", Type: TypeString}}},
		}},
		{Name: "loc", Type: TypeStruct, Fields: []Field{
			{Name: "lat", Type: TypeDouble, Required: true},
			{Name: "lon", Type: TypeDouble},
		}},
		{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString, Required: true}},
		{Name: "lines", Type: TypeList, Items: &Field{Type: TypeStruct, Fields: []Field{
			{Name: "sku", Type: TypeString, Required: true},
			{Name: "dims", Type: TypeList, Items: &Field{Type: TypeInt32}},
		}}},
	}
	e, err := New(Spec{Type: Parquet, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ record, reason string }{
		// Not a JSON object.
		{``, `record is empty, want a JSON object`},
		{`   `, `record is empty, want a JSON object`},
		{`[1,2]`, `record is not a JSON object: got array`},
		{`"text"`, `record is not a JSON object: got string "text"`},
		{`42`, `record is not a JSON object: got number 42`},
		{`null`, `record is not a JSON object: got null`},
		{`{"id":1`, `record is not valid JSON: unexpected EOF`},
		{`{"id":1} {"id":2}`, `record has data after its JSON value`},
		{`{"id":1}x`, `record has data after its JSON value`},
		// Required fields.
		{`{}`, `field "id": required, missing`},
		{`{"id":null}`, `field "id": required, got null`},
		{`{"id":1,"loc":{}}`, `field "loc.lat": required, missing`},
		{`{"id":1,"loc":{"lat":null}}`, `field "loc.lat": required, got null`},
		{`{"id":1,"meta":{}}`, `field "meta.src": required, missing`},
		{`{"id":1,"meta":{"src":null}}`, `field "meta.src": required, got null`},
		{`{"id":1,"meta":{"src":"h"}}`, `field "meta.src": want struct (a JSON object), got string "h"`},
		// Integers.
		{`{"id":"7"}`, `field "id": want int64, got string "7"`},
		{`{"id":1.5}`, `field "id": want int64, got number 1.5 (fractional)`},
		{`{"id":1e-3}`, `field "id": want int64, got number 1e-3 (fractional)`},
		{`{"id":9223372036854775808}`, `field "id": want int64, got number 9223372036854775808 (out of range)`},
		{`{"id":1e400}`, `field "id": want int64, got number 1e400 (out of range)`},
		{`{"id":true}`, `field "id": want int64, got boolean true`},
		{`{"id":1,"n32":2147483648}`, `field "n32": want int32, got number 2147483648 (out of range)`},
		{`{"id":1,"n32":-2147483649}`, `field "n32": want int32, got number -2147483649 (out of range)`},
		// Floats, strings, booleans.
		{`{"id":1,"f":3.5e38}`, `field "f": want float, got number 3.5e38 (out of range)`},
		{`{"id":1,"f":"1.5"}`, `field "f": want float, got string "1.5"`},
		{`{"id":1,"loc":{"lat":"north"}}`, `field "loc.lat": want double, got string "north"`},
		{`{"id":1,"loc":{"lat":1,"lon":1e309}}`, `field "loc.lon": want double, got number 1e309 (out of range)`},
		{`{"id":1,"s":5}`, `field "s": want string, got number 5`},
		{`{"id":1,"s":{"a":1}}`, `field "s": want string, got object`},
		{`{"id":1,"ok":"true"}`, `field "ok": want boolean, got string "true"`},
		{`{"id":1,"ok":1}`, `field "ok": want boolean, got number 1`},
		// Timestamps and dates.
		{`{"id":1,"at":"yesterday"}`, `field "at": want timestamp_ms, got string "yesterday" (want RFC 3339)`},
		{`{"id":1,"at":"2024-01-02 03:04:05"}`, `field "at": want timestamp_ms, got string "2024-01-02 03:04:05" (want RFC 3339)`},
		{`{"id":1,"at":1.5}`, `field "at": want timestamp_ms, got number 1.5 (fractional)`},
		{`{"id":1,"at":true}`, `field "at": want timestamp_ms, got boolean true`},
		{`{"id":1,"atus":1e19}`, `field "atus": want timestamp_us, got number 1e19 (out of range)`},
		{`{"id":1,"day":"2024-02-30"}`, `field "day": want date, got string "2024-02-30" (want YYYY-MM-DD)`},
		{`{"id":1,"day":"2024-2-3"}`, `field "day": want date, got string "2024-2-3" (want YYYY-MM-DD)`},
		{`{"id":1,"day":"2024-02-03T00:00:00Z"}`, `field "day": want date, got string "2024-02-03T00:00:00Z" (want YYYY-MM-DD)`},
		{`{"id":1,"day":19000}`, `field "day": want date, got number 19000`},
		// Decimals.
		{`{"id":1,"amount":1.234}`, `field "amount": want decimal, got number 1.234 (decimal(5,2): more than 2 decimal places)`},
		{`{"id":1,"amount":"1000"}`, `field "amount": want decimal, got string "1000" (decimal(5,2): more than 5 digits)`},
		{`{"id":1,"amount":-1e3}`, `field "amount": want decimal, got number -1e3 (decimal(5,2): more than 5 digits)`},
		{`{"id":1,"amount":"12,5"}`, `field "amount": want decimal, got string "12,5" (not a decimal number)`},
		{`{"id":1,"amount":" 1"}`, `field "amount": want decimal, got string " 1" (not a decimal number)`},
		{`{"id":1,"amount":"NaN"}`, `field "amount": want decimal, got string "NaN" (not a decimal number)`},
		{`{"id":1,"amount":"1e99999999999"}`, `field "amount": want decimal, got string "1e99999999999" (decimal(5,2): more than 5 digits)`},
		{`{"id":1,"amount":[1]}`, `field "amount": want decimal, got array`},
		// Structs and lists.
		{`{"id":1,"loc":[1,2]}`, `field "loc": want struct (a JSON object), got array`},
		{`{"id":1,"tags":"a,b"}`, `field "tags": want list (a JSON array), got string "a,b"`},
		{`{"id":1,"tags":["a",2]}`, `field "tags[1]": want string, got number 2`},
		{`{"id":1,"tags":["a",null]}`, `field "tags[1]": required, got null`},
		{`{"id":1,"lines":[{"sku":"a"},{"dims":[]}]}`, `field "lines[1].sku": required, missing`},
		{`{"id":1,"lines":[{"sku":"a"},{"sku":"b","dims":[1,2,"3"]}]}`, `field "lines[1].dims[2]": want int32, got string "3"`},
		{`{"id":1,"lines":[{"sku":"a","dims":{}}]}`, `field "lines[0].dims": want list (a JSON array), got object`},
		{`{"id":1,"lines":[7]}`, `field "lines[0]": want struct (a JSON object), got number 7`},
		// Long values are clipped in the reason.
		{`{"id":"` + strings.Repeat("é", 30) + `"}`, `field "id": want int64, got string "` + strings.Repeat("é", 20) + `…"`},
	}
	for _, tt := range tests {
		o := e.NewObject()
		err := o.Add([]byte(tt.record))
		var ce *ConversionError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConversion) {
			t.Errorf("Add(%s) = %v, want a *ConversionError", tt.record, err)
			continue
		}
		if ce.Reason != tt.reason {
			t.Errorf("Add(%s) reason\n got %s\nwant %s", tt.record, ce.Reason, tt.reason)
		}
		if o.Len() != 0 {
			t.Errorf("Add(%s): Len() = %d after a refused record", tt.record, o.Len())
		}
	}
}
