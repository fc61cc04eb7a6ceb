package awscbor

import (
	"errors"
	"strings"
	"testing"
)

// FuzzUnmarshal feeds bodies to Unmarshal: it never panics, every failure
// is a *DecodeError with a message free of Go's and the library's words,
// and what decodes encodes again.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		`bf 64 4e616d65 61 61 64 44617461 43 010203 ff`,
		`a1 64 54616773 a1 61 61 61 62`,
		`a1 66 4e6573746564 a1 64 44656570 9f a1 64 44617461 40 ff`,
		`a1 65 4c696d6974 1b 0000001000000000`,
		`a2 64 4e616d65 61 61 64 4e616d65 61 62`,
		`5f 41 01 41 02 ff`, `7f 61 61 61 62 ff`, `c1 1b 0000018bcfe5687b`, `f6`, ``,
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wire
		err := Unmarshal(body, &w)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Message == "" || strings.Contains(de.Message, "cbor:") || strings.Contains(de.Message, "awscbor") {
				t.Fatalf("Unmarshal(%x): %v (%T)", body, err, err)
			}
			return
		}
		if _, err := Marshal(w); err != nil {
			t.Fatalf("decoded %x but cannot encode it: %v", body, err)
		}
	})
}
