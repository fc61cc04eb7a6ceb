package delivery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

// The README's limits table sits between these markers.
const (
	readmeBegin = "<!-- limits:begin: generated from host/delivery.LimitTable, checked by TestREADMELimitsTable -->"
	readmeEnd   = "<!-- limits:end -->"
)

// limitsMarkdown renders the limit table as the README shows it.
func limitsMarkdown(ls []Limit) string {
	var b strings.Builder
	b.WriteString("| Limit | Pipeline file | Firehose API | Default | Range | From | Note |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	code := func(s string) string {
		if s == "" {
			return "—"
		}
		parts := strings.Split(s, ", ")
		for i, p := range parts {
			parts[i] = "`" + p + "`"
		}
		return strings.Join(parts, ", ")
	}
	for _, l := range ls {
		unit := ""
		if l.Unit != "" {
			unit = " " + l.Unit
		}
		def, rng := grouped(l.Default)+unit, grouped(l.Min)+"–"+grouped(l.Max)+unit
		switch {
		case l.Fixed():
			rng = "fixed"
		case l.NoDefault:
			def = "—"
		}
		b.WriteString("| " + l.What + " | " + code(l.Field) + " | " + code(l.API) + " | " + def + " | " + rng + " | " + l.Origin + " | " + l.Note + " |\n")
	}
	return b.String()
}

// TestREADMELimitsTable checks that the README states the limits the code
// enforces (with the runtime's default memory ceiling).
func TestREADMELimitsTable(t *testing.T) {
	want := readmeBegin + "\n" + limitsMarkdown(LimitTable(runtime.DefaultMaxMemoryBytes)) + readmeEnd
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, readmeBegin), strings.Index(readme, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no limits table; put this block in it:\n\n%s", want)
	}
	if got := readme[i : j+len(readmeEnd)]; got != want {
		t.Fatalf("README.md's limits table differs from the code's; replace it with:\n\n%s", want)
	}
}

// grouped writes v with thousands separators ("7,200").
func grouped(v float64) string {
	s := formatNum(v)
	if v != float64(int64(v)) || v < 1000 {
		return s
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
