package awsjson

import (
	"errors"
	"strings"
	"testing"
)

// decodeIn has a member of every kind the Kinesis and Firehose inputs
// use.
type decodeIn struct {
	Name    string            `json:"Name"`
	Count   int32             `json:"Count"`
	Big     int64             `json:"Big"`
	Ratio   float64           `json:"Ratio"`
	Flag    bool              `json:"Flag"`
	Blob    []byte            `json:"Blob"`
	At      *Time             `json:"At"`
	Tags    map[string]string `json:"Tags"`
	Keys    []string          `json:"Keys"`
	Records []struct {
		Data []byte `json:"Data"`
	} `json:"Records"`
	Nested *struct {
		Deep string `json:"Deep"`
	} `json:"Nested"`
}

// TestDecodeMessages checks that a member of the wrong type is a
// SerializationException in the words of AWS's JSON protocol, naming the
// types and never Go's field paths (records.0.data, decodeIn.Count).
func TestDecodeMessages(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"Count":"3"}`, "class java.lang.String can not be converted to an Integer"},
		{`{"Big":"3"}`, "class java.lang.String can not be converted to an Long"},
		{`{"Ratio":true}`, "class java.lang.Boolean can not be converted to an Double"},
		{`{"Name":5}`, "class java.math.BigDecimal can not be converted to an String"},
		{`{"Flag":"yes"}`, "class java.lang.String can not be converted to an Boolean"},
		{`{"Blob":5}`, "class java.math.BigDecimal can not be converted to a Blob"},
		{`{"Records":[{"Data":7}]}`, "class java.math.BigDecimal can not be converted to a Blob"},
		{`{"Name":{}}`, "Start of structure or map found where not expected."},
		{`{"Name":[]}`, "Start of list found where not expected"},
		{`{"Keys":"a"}`, "Expected list or null"},
		{`{"Keys":{}}`, "Start of structure or map found where not expected."},
		{`{"Tags":[]}`, "Start of list found where not expected"},
		{`{"Tags":"a"}`, "Expected map or null"},
		{`{"Nested":"a"}`, "Expected null"},
		{`{"Nested":[1]}`, "Start of list found where not expected"},
		{`[1,2]`, "Start of list found where not expected"},
		{`{"Count":99999999999}`, "Numeric value (99999999999) out of range of Integer"},
		{`{"Count":1.5}`, "Numeric value (1.5) out of range of Integer"},
		{`{"At":"yesterday"}`, "can not be converted to a Timestamp"},
		{`{"At":1e300}`, "out of range"},
		{`{"Blob":"***"}`, "not valid base64"},
		{`{"Name":`, "not valid JSON"},
	} {
		err := Decode([]byte(c.body), new(decodeIn))
		var aerr *Error
		if !errors.As(err, &aerr) || aerr.Type != TypeSerialization {
			t.Errorf("%s: %v, want a SerializationException", c.body, err)
			continue
		}
		if !strings.Contains(aerr.Message, c.want) {
			t.Errorf("%s: message %q, want %q", c.body, aerr.Message, c.want)
		}
		for _, leak := range []string{"records.0", "Records.0", "decodeIn", "Field ", "Count", "Data", "int32", "[]uint8"} {
			if strings.Contains(aerr.Message, leak) {
				t.Errorf("%s: message %q names Go's %q", c.body, aerr.Message, leak)
			}
		}
	}
}
