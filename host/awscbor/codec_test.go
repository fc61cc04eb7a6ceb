package awscbor

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// wire has a member of each kind the Kinesis shapes use, with json tags
// as the operations' structs have them.
type wire struct {
	Name   string            `json:"Name"`
	Data   []byte            `json:"Data"`
	Limit  *int32            `json:"Limit"`
	Flag   bool              `json:"Flag"`
	Tags   map[string]string `json:"Tags"`
	Keys   []string          `json:"Keys,omitempty"`
	Nested *struct {
		Deep []struct {
			Data []byte `json:"Data"`
		} `json:"Deep"`
	} `json:"Nested"`
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIs(t *testing.T) {
	for _, c := range []struct {
		ct string
		is bool
	}{
		{"application/x-amz-cbor-1.1", true},
		{"Application/X-Amz-CBOR-1.1", true},
		{"application/x-amz-cbor-1.1; charset=utf-8", true},
		{"application/x-amz-json-1.1", false},
		{"application/cbor", false},
		{"", false},
		{"application/x-amz-cbor-1.1;;", false},
	} {
		if got := Is(c.ct); got != c.is {
			t.Errorf("Is(%q) = %v, want %v", c.ct, got, c.is)
		}
	}
}

// TestUnmarshalJavaShapes: what Jackson's CBORGenerator writes (maps and
// arrays of indefinite length, a long string's 2-byte length, a byte
// string) decodes into the json-tagged struct.
func TestUnmarshalJavaShapes(t *testing.T) {
	long := strings.Repeat("k", 300)
	body := unhex(t, `bf 64 4e616d65 79 012c`+hex.EncodeToString([]byte(long))+`
		64 44617461 43 010203
		65 4c696d6974 19 2710
		64 466c6167 f5
		64 54616773 bf 61 61 61 62 ff
		66 4e6573746564 bf 64 44656570 9f bf 64 44617461 40 ff ff ff
	ff`)
	var w wire
	if err := Unmarshal(body, &w); err != nil {
		t.Fatal(err)
	}
	if w.Name != long || !bytes.Equal(w.Data, []byte{1, 2, 3}) || w.Limit == nil || *w.Limit != 10000 || !w.Flag ||
		w.Tags["a"] != "b" || w.Nested == nil || len(w.Nested.Deep) != 1 || w.Nested.Deep[0].Data == nil {
		t.Fatalf("decoded %+v", w)
	}
	// The decoded blob is a copy: the body can be reused.
	for i := range body {
		body[i] = 0
	}
	if !bytes.Equal(w.Data, []byte{1, 2, 3}) {
		t.Fatal("a decoded blob shares the request body's memory")
	}
}

// TestUnmarshalErrors: each failure says what was wrong in the request's
// terms, never a Go type or package.
func TestUnmarshalErrors(t *testing.T) {
	for _, c := range []struct {
		name, hex, want string
	}{
		{"text blob", `a1 64 44617461 63 616263`, "Field Data: expected a byte string, found a text string."},
		{"bytes for string", `a1 64 4e616d65 43 616263`, "Field Name: expected a text string, found a byte string."},
		{"overflow", `a1 65 4c696d6974 1b 0000001000000000`, "Field Limit: the number is out of range."},
		{"string limit", `a1 65 4c696d6974 61 31`, "Field Limit: expected an integer, found a text string."},
		{"nested", `a1 66 4e6573746564 a1 64 44656570 81 a1 64 44617461 01`, "Field Nested: expected a byte string, found an integer."},
		{"not a map", `83 01 02 03`, "Field request: expected a map, found an array."},
		{"duplicate key", `a2 64 4e616d65 61 61 64 4e616d65 61 62`, `the key "Name" appears twice in one map`},
		{"truncated", `bf 64 4e616d65`, "it ends in the middle of a data item"},
		{"trailing bytes", `a0 00`, "Request body is not valid CBOR: 1 bytes of extraneous data starting at index 1."},
		{"bad utf-8", `a1 64 4e616d65 62 c328`, "Request body is not valid CBOR"},
		{"too deep", strings.Repeat("81", 40) + "00", "exceeded max nested level"},
		{"empty", ``, "it ends in the middle of a data item"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var w wire
			err := Unmarshal(unhex(t, c.hex), &w)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%v (%T), want a *DecodeError", err, err)
			}
			if !strings.Contains(de.Message, c.want) {
				t.Errorf("message %q, want it to hold %q", de.Message, c.want)
			}
			for _, leak := range []string{"awscbor.", "wire", "[]uint8", "int32", "Go ", "cbor:"} {
				if strings.Contains(de.Message, leak) {
					t.Errorf("message %q leaks %q", de.Message, leak)
				}
			}
		})
	}
}

// TestMemberNamesExact: member names match exactly, as the SDKs write
// them; a differently cased key is an unknown member, ignored.
func TestMemberNamesExact(t *testing.T) {
	var w wire
	if err := Unmarshal(unhex(t, `a1 64 6e616d65 61 78`), &w); err != nil || w.Name != "" {
		t.Fatalf("name: %q, %v", w.Name, err)
	}
}

// TestMarshal: definite lengths, shortest heads, omitempty as
// encoding/json reads it, nil containers as null, byte strings.
func TestMarshal(t *testing.T) {
	got, err := Marshal(wire{Name: "n", Data: []byte{7}, Limit: new(int32)})
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `a6 64 4e616d65 61 6e 64 44617461 41 07 65 4c696d6974 00 64 466c6167 f4 64 54616773 f6 66 4e6573746564 f6`)
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

func TestTime(t *testing.T) {
	at := time.UnixMilli(1700000000123)
	if got, want := AppendTime(nil, at), unhex(t, `c1 1b 0000018bcfe5687b`); !bytes.Equal(got, want) {
		t.Fatalf("AppendTime: %x, want %x", got, want)
	}
	for _, c := range []struct {
		hex  string
		ms   int64
		ok   bool
		fail string
	}{
		{`c1 1b 0000018bcfe5687b`, 1700000000123, true, ""},
		{`1b 0000018bcfe5687b`, 1700000000123, true, ""},    // untagged
		{`c1 fb 4278bcfe5687b000`, 1700000000123, true, ""}, // a double
		{`c1 fa 4eb2d05e`, 1500000000, true, ""},            // a single
		{`c1 f9 3c00`, 1, true, ""},                         // a half: 1.0
		{`c1 20`, -1, true, ""},
		{`c1 00`, 0, true, ""},
		{`f6`, 0, false, ""},
		{`f7`, 0, false, ""},
		{`c1 f6`, 0, false, ""},
		{`c0 74 323032342d30312d30315430303a30303a30305a`, 0, false, "under CBOR tag 0"},
		{`c1 63 616263`, 0, false, "a text string"},
		{`c1 f5`, 0, false, "a simple value"},
		{`c1 1b ffffffffffffffff`, 0, false, "out of range"},
		{`c1 fb 7ff8000000000000`, 0, false, "out of range"}, // NaN
		{`c1 fb 7ff0000000000000`, 0, false, "out of range"}, // +Inf
		{`c1 c1 00`, 0, false, "a tagged value"},
	} {
		ms, ok, err := ParseTime(unhex(t, c.hex))
		if c.fail != "" {
			if err == nil || !strings.Contains(decodeError(err).Message, c.fail) {
				t.Errorf("%s: %v, want an error about %q", c.hex, err, c.fail)
			}
			continue
		}
		if err != nil || ok != c.ok || ms != c.ms {
			t.Errorf("%s: %d %v %v, want %d %v", c.hex, ms, ok, err, c.ms, c.ok)
		}
	}
}
