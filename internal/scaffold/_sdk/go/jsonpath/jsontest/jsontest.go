package jsontest

import (
	"math/rand/v2"
	"strings"
)

// randomKeys are the keys random documents use: few, so objects repeat
// keys (duplicates) and paths built from them find fields.
var randomKeys = []string{"a", "b", "c", "id", "ab", "B", "é", "a.b"}

// randomStrings include everything encoding/json rewrites: escapes, control
// characters, invalid UTF-8, U+2028, HTML characters, non-ASCII.
var randomStrings = []string{
	``, `x`, `hello world`, `<a&b>`, `caf\u00e9`, `\"q\"`, `back\\slash`, `\/`, `tab\t`,
	`é€😀`, "\u2028", "\xff", "\xe2\x80", `\ud83d\ude00`, `\ud800`, "ctl\x01", `a.b`,
}

var randomNumbers = []string{`0`, `-0`, `1`, `-12`, `1.50`, `-2e3`, `1E+2`, `1e-7`, `12345678901234567890123`, `0.0`, `3.14159`}

// randomSpace returns whitespace, often none.
func randomSpace(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return " "
	case 1:
		return "\n\t "
	case 2:
		return "\r\n"
	}
	return ""
}

// randomValue writes a random JSON value of at most depth levels.
func randomValue(r *rand.Rand, b *strings.Builder, depth int) {
	n := r.IntN(10)
	if depth <= 0 && n >= 7 {
		n = r.IntN(7)
	}
	switch n {
	case 0:
		b.WriteString(`"` + randomStrings[r.IntN(len(randomStrings))] + `"`)
	case 1, 2:
		b.WriteString(randomNumbers[r.IntN(len(randomNumbers))])
	case 3:
		b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	case 4, 5, 6:
		b.WriteString(`"` + randomKeys[r.IntN(len(randomKeys))] + `"`)
	case 7:
		b.WriteString("[" + randomSpace(r))
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteString("," + randomSpace(r))
			}
			randomValue(r, b, depth-1)
			b.WriteString(randomSpace(r))
		}
		b.WriteString("]")
	default:
		randomObject(r, b, depth-1)
	}
}

// randomObject writes a random JSON object, with duplicate keys now and then.
func randomObject(r *rand.Rand, b *strings.Builder, depth int) {
	b.WriteString("{" + randomSpace(r))
	for i := range r.IntN(6) {
		if i > 0 {
			b.WriteString("," + randomSpace(r))
		}
		if r.IntN(8) == 0 {
			b.WriteString(`"` + randomStrings[r.IntN(len(randomStrings))] + `"`)
		} else {
			b.WriteString(`"` + randomKeys[r.IntN(len(randomKeys))] + `"`)
		}
		b.WriteString(randomSpace(r) + ":" + randomSpace(r))
		randomValue(r, b, depth)
		b.WriteString(randomSpace(r))
	}
	b.WriteString("}")
}

// RandomDocument returns a random record: usually a JSON object, sometimes
// damaged (cut short, a byte changed or added, data after it) or another
// kind of value.
func RandomDocument(r *rand.Rand) []byte {
	var b strings.Builder
	b.WriteString(randomSpace(r))
	if r.IntN(10) == 0 {
		randomValue(r, &b, 3)
	} else {
		randomObject(r, &b, 3)
	}
	b.WriteString(randomSpace(r))
	doc := []byte(b.String())
	switch r.IntN(12) {
	case 0:
		doc = doc[:r.IntN(len(doc)+1)]
	case 1:
		if len(doc) > 0 {
			const damage = "{}[]:,\"\\ x0-.e\x00\xff"
			doc[r.IntN(len(doc))] = damage[r.IntN(len(damage))]
		}
	case 2:
		doc = append(doc, []byte(` {}`)...)
	}
	return doc
}

// RandomPath returns a random dotted field path of one to three parts, made
// of the keys random documents use (all but "a.b", which no path can name).
func RandomPath(r *rand.Rand) string {
	parts := make([]string, 1+r.IntN(3))
	for i := range parts {
		parts[i] = []string{"a", "b", "c", "id", "ab", "B", "é"}[r.IntN(7)]
	}
	return strings.Join(parts, ".")
}
