package awsjson

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxViolations is the most constraint failures one ValidationException
// reports, as AWS's validation layer stops at ten.
const MaxViolations = 10

// Violations collects the constraint failures of a request the way AWS's
// validation layer reports them: each failing constraint of each member,
// in the order they are checked, in one ValidationException ("2
// validation errors detected: Value ” at 'a' failed to satisfy
// constraint: ...; Value null at 'b' ..."). Fields are named as AWS
// names them (lower camel case, "records.1.member.data").
type Violations struct{ msgs []string }

// Add records one failure; value is what the message shows (nil: the
// member is absent, shown as null; else it is quoted).
func (v *Violations) Add(value *string, field, constraint string) {
	if len(v.msgs) == MaxViolations {
		return
	}
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, field, constraint))
}

// AddValue records a failure showing value as it is given.
func (v *Violations) AddValue(value, field, constraint string) { v.Add(&value, field, constraint) }

// Len is the number of failures recorded.
func (v *Violations) Len() int { return len(v.msgs) }

// Err is nil, or the ValidationException of every failure recorded.
func (v *Violations) Err() error {
	switch n := len(v.msgs); n {
	case 0:
		return nil
	case 1:
		return Errorf(TypeValidation, "1 validation error detected: %s", v.msgs[0])
	default:
		return Errorf(TypeValidation, "%d validation errors detected: %s", n, strings.Join(v.msgs, "; "))
	}
}

// Pattern is a member's regular expression: Text as AWS's messages quote
// it, and the expression a value is held to (usually Text, anchored).
type Pattern struct {
	Text  string
	match func(string) bool
}

// NewPattern anchors text as AWS matches it (the whole value).
func NewPattern(text string) Pattern {
	return Pattern{Text: text, match: regexp.MustCompile(`^(?:` + text + `)$`).MatchString}
}

// PatternFunc is a pattern quoted as text but checked by match instead:
// when the server takes more than AWS's pattern says, or the pattern
// needs what Go's regular expressions lack (look-ahead).
func PatternFunc(text string, match func(string) bool) Pattern {
	return Pattern{Text: text, match: match}
}

// String checks a string member: present when required, then (when
// present) its pattern (if any) and its length in characters between min
// and max (max 0: no bound), as AWS orders them.
func (v *Violations) String(field string, s *string, required bool, min, max int, p *Pattern) {
	if s == nil {
		if required {
			v.Add(nil, field, "Member must not be null")
		}
		return
	}
	if p != nil && !p.match(*s) {
		v.Add(s, field, "Member must satisfy regular expression pattern: "+p.Text)
	}
	n := utf8.RuneCountInString(*s)
	if n < min {
		v.Add(s, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		v.Add(s, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// Int checks an integer member against lo..hi (hi 0: no upper bound).
func (v *Violations) Int(field string, n *int32, required bool, lo, hi int) {
	if n == nil {
		if required {
			v.Add(nil, field, "Member must not be null")
		}
		return
	}
	s := strconv.Itoa(int(*n))
	if int(*n) < lo {
		v.Add(&s, field, fmt.Sprintf("Member must have value greater than or equal to %d", lo))
	}
	if hi > 0 && int(*n) > hi {
		v.Add(&s, field, fmt.Sprintf("Member must have value less than or equal to %d", hi))
	}
}

// Enum checks a string member against its values.
func (v *Violations) Enum(field string, s *string, required bool, values ...string) {
	if s == nil {
		if required {
			v.Add(nil, field, "Member must not be null")
		}
		return
	}
	if !slices.Contains(values, *s) {
		v.Add(s, field, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
}

// Required records an absent member of any kind.
func (v *Violations) Required(field string, present bool) {
	if !present {
		v.Add(nil, field, "Member must not be null")
	}
}

// Count checks the number of entries of a list or map member shown as
// shown: min..max (max 0: no bound).
func (v *Violations) Count(field, shown string, n, min, max int) {
	if n < min {
		v.AddValue(shown, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		v.AddValue(shown, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// ListValue shows a list as AWS's messages do: [a, b].
func ListValue(items []string) string { return "[" + strings.Join(items, ", ") + "]" }
