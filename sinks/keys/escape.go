package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Escape makes s safe as (part of) one key segment: "/", "\", "%" and
// control characters become %XX (upper-case hex), and "." or ".." has its
// dots escaped, so the value can neither add a path level nor climb out of
// its prefix. Other text, including non-ASCII UTF-8, is kept as it is.
func Escape(s string) string {
	if s == "." || s == ".." {
		return strings.Repeat("%2E", len(s))
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func mustEscape(c byte) bool {
	return c == '/' || c == '\\' || c == '%' || c < 0x20 || c == 0x7f
}

// RandomString returns a fresh RandomLen-character value for
// !{firehose:random-string}, shaped like AWS's (hex with a dash).
func RandomString() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return shape(hex.EncodeToString(b[:]))
}

// RandomFrom returns a RandomLen-character value for
// !{firehose:random-string} derived from seed (for example the batch's
// first source position), so a replayed batch lands under the same prefix.
func RandomFrom(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return shape(hex.EncodeToString(sum[:]))
}

func shape(h string) string { return h[:8] + "-" + h[8:RandomLen-1] }
