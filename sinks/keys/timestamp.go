package keys

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeItem is one piece of a parsed timestamp pattern: a field (a pattern
// letter with its count) or literal text.
type timeItem struct {
	letter byte // 0 for literal text
	count  int
	lit    string
}

// timeLayout is a parsed Java DateTimeFormatter pattern.
type timeLayout []timeItem

// maxCount is the longest run each supported pattern letter may have.
var maxCount = map[byte]int{
	'y': 4, 'u': 4, // year ("yy" is the two-digit year)
	'M': 2, // month of year
	'd': 2, // day of month
	'H': 2, // hour of day, 0-23
	'm': 2, // minute
	's': 2, // second
}

// letterHint explains a pattern letter people often use by mistake.
var letterHint = map[byte]string{
	'Y': " (week-based year in Java; use yyyy)",
	'D': " (day of year; use dd for day of month)",
	'h': " (clock hour 1-12; use HH)",
	'S': " (fraction of second; not supported)",
	'a': " (AM/PM; use HH)",
}

// parseTimestamp parses a Java DateTimeFormatter pattern restricted to the
// numeric fields in maxCount, quoted literals and non-letter characters.
func parseTimestamp(pattern string) (timeLayout, error) {
	if pattern == "" {
		return nil, fmt.Errorf("%w: empty timestamp pattern", ErrBadPrefix)
	}
	var out timeLayout
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].letter == 0 {
			out[n-1].lit += s
			return
		}
		out = append(out, timeItem{lit: s})
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' { // '' is one quote
				lit("'")
				i += 2
				continue
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(pattern); j++ {
				if pattern[j] != '\'' {
					b.WriteByte(pattern[j])
					continue
				}
				if j+1 < len(pattern) && pattern[j+1] == '\'' {
					b.WriteByte('\'')
					j++
					continue
				}
				break
			}
			if j >= len(pattern) {
				return nil, fmt.Errorf("%w: unterminated quote in timestamp pattern %q", ErrBadPrefix, pattern)
			}
			lit(b.String())
			i = j + 1
		case isLetter(c):
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			n := j - i
			maxN, ok := maxCount[c]
			if !ok {
				return nil, fmt.Errorf("%w: timestamp pattern %q: unsupported letter %q%s (supported: yyyy, yy, MM, dd, HH, mm, ss; quote literal text as 'text')",
					ErrBadPrefix, pattern, c, letterHint[c])
			}
			if n > maxN {
				return nil, fmt.Errorf("%w: timestamp pattern %q: too many %q letters", ErrBadPrefix, pattern, c)
			}
			out = append(out, timeItem{letter: c, count: n})
			i = j
		case strings.IndexByte("[]{}#", c) >= 0:
			return nil, fmt.Errorf("%w: timestamp pattern %q: reserved character %q", ErrBadPrefix, pattern, c)
		default:
			lit(string(c))
			i++
		}
	}
	return out, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// format renders the layout for t, which the caller has put in UTC.
func (l timeLayout) format(b *strings.Builder, t time.Time) {
	for _, it := range l {
		var v int
		switch it.letter {
		case 0:
			b.WriteString(it.lit)
			continue
		case 'y', 'u':
			v = t.Year()
			if it.count == 2 {
				v %= 100
			}
		case 'M':
			v = int(t.Month())
		case 'd':
			v = t.Day()
		case 'H':
			v = t.Hour()
		case 'm':
			v = t.Minute()
		case 's':
			v = t.Second()
		}
		s := strconv.Itoa(v)
		for k := len(s); k < it.count; k++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
}
