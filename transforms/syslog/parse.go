package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// message is a parsed syslog line, as the JSON the transform writes.
// Fields the line does not carry (RFC 5424's "-") are left out.
type message struct {
	Facility       int    `json:"facility"`
	Severity       int    `json:"severity"`
	Timestamp      string `json:"timestamp,omitempty"`
	Host           string `json:"host,omitempty"`
	App            string `json:"app,omitempty"`
	PID            string `json:"pid,omitempty"`
	MsgID          string `json:"msgid,omitempty"`
	StructuredData string `json:"structured_data,omitempty"`
	Message        string `json:"message"`
}

// stamp3164 is the RFC 3164 timestamp, "Oct 11 22:14:15" or "Oct  1 22:14:15".
const stamp3164 = time.Stamp

// maxFuture is how far past the arrival time an RFC 3164 timestamp, which
// has no year, may lie in the arrival's year before it is taken to belong
// to the year before (a December line arriving in January).
const maxFuture = 7 * 24 * time.Hour

var errNoPRI = errors.New("not a syslog line: no <PRI> at the start")

// parse parses one syslog line in RFC 5424 or RFC 3164 form. arrival
// supplies the year for RFC 3164 timestamps, which are read as UTC.
func parse(data []byte, arrival time.Time) (message, error) {
	line := string(bytes.TrimRight(data, "\r\n\x00"))
	var m message
	pri, rest, err := parsePRI(line)
	if err != nil {
		return m, err
	}
	m.Facility, m.Severity = pri/8, pri%8
	if v5424, ok := strings.CutPrefix(rest, "1 "); ok {
		err = parse5424(&m, v5424)
	} else {
		err = parse3164(&m, rest, arrival)
	}
	return m, err
}

// parsePRI reads "<PRI>": one to three digits, 0 to 191, no leading zero.
func parsePRI(line string) (int, string, error) {
	if !strings.HasPrefix(line, "<") {
		return 0, "", errNoPRI
	}
	end := strings.IndexByte(line, '>')
	if end < 2 || end > 4 {
		return 0, "", errNoPRI
	}
	digits := line[1:end]
	pri, err := strconv.Atoi(digits)
	if err != nil || pri < 0 || pri > 191 || (len(digits) > 1 && digits[0] == '0') || digits[0] == '+' {
		return 0, "", fmt.Errorf("bad PRI %q", digits)
	}
	return pri, line[end+1:], nil
}

// parse3164 parses "Mmm dd hh:mm:ss host tag[pid]: msg" (the tag, pid and
// colon are optional, as in practice they often are).
func parse3164(m *message, rest string, arrival time.Time) error {
	if len(rest) < len(stamp3164)+1 || rest[len(stamp3164)] != ' ' {
		return errors.New("not a syslog line: no RFC 5424 version and no RFC 3164 timestamp")
	}
	ts, err := time.Parse(stamp3164, rest[:len(stamp3164)])
	if err != nil {
		return fmt.Errorf("bad RFC 3164 timestamp %q", rest[:len(stamp3164)])
	}
	t := time.Date(arrival.Year(), ts.Month(), ts.Day(), ts.Hour(), ts.Minute(), ts.Second(), 0, time.UTC)
	if t.Sub(arrival) > maxFuture {
		t = t.AddDate(-1, 0, 0)
	}
	m.Timestamp = t.Format(time.RFC3339)
	rest = rest[len(stamp3164)+1:]
	host, rest, _ := strings.Cut(rest, " ")
	if host == "" {
		return errors.New("RFC 3164 line has no host")
	}
	m.Host = host
	m.App, m.PID, m.Message = parseTag(rest)
	return nil
}

// parseTag splits "tag[pid]: msg", "tag: msg" or "tag[pid] msg" into its
// parts; anything else is all message.
func parseTag(rest string) (app, pid, msg string) {
	i := strings.IndexAny(rest, "[: ")
	if i <= 0 {
		return "", "", rest
	}
	tag, after := rest[:i], rest[i:]
	if after[0] == '[' {
		j := strings.IndexByte(after, ']')
		if j < 0 {
			return "", "", rest
		}
		pid, after = after[1:j], after[j+1:]
	}
	switch {
	case strings.HasPrefix(after, ":"):
		return tag, pid, strings.TrimPrefix(after[1:], " ")
	case pid != "" && (after == "" || after[0] == ' '):
		return tag, pid, strings.TrimPrefix(after, " ")
	default:
		return "", "", rest
	}
}

// parse5424 parses what follows "<PRI>1 ":
// "TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]".
func parse5424(m *message, rest string) error {
	var fields [5]string
	names := [5]string{"timestamp", "host", "app", "procid", "msgid"}
	for i := range fields {
		var ok bool
		fields[i], rest, ok = strings.Cut(rest, " ")
		switch {
		case fields[i] == "":
			return fmt.Errorf("RFC 5424 line has no %s", names[i])
		case !ok:
			return fmt.Errorf("RFC 5424 line ends after its %s", names[i])
		}
		if fields[i] == "-" {
			fields[i] = ""
		}
	}
	if fields[0] != "" {
		t, err := time.Parse(time.RFC3339Nano, fields[0])
		if err != nil {
			return fmt.Errorf("bad RFC 5424 timestamp %q", fields[0])
		}
		m.Timestamp = t.Format(time.RFC3339Nano)
	}
	m.Host, m.App, m.PID, m.MsgID = fields[1], fields[2], fields[3], fields[4]
	sd, msg, err := splitStructuredData(rest)
	if err != nil {
		return err
	}
	m.StructuredData = sd
	m.Message = strings.TrimPrefix(msg, "\uFEFF")
	return nil
}

// splitStructuredData splits "-" or "[id k="v" …][…]" from the message
// that follows it after a space.
func splitStructuredData(rest string) (sd, msg string, err error) {
	end := 0
	switch {
	case strings.HasPrefix(rest, "-"):
		end = 1
	case strings.HasPrefix(rest, "["):
		for end < len(rest) && rest[end] == '[' {
			n, err := sdElementLen(rest[end:])
			if err != nil {
				return "", "", err
			}
			end += n
		}
		sd = rest[:end]
	default:
		return "", "", errors.New("RFC 5424 line has no structured data (want - or [...])")
	}
	rest = rest[end:]
	if rest == "" {
		return sd, "", nil
	}
	if rest[0] != ' ' {
		return "", "", errors.New("RFC 5424 structured data is not followed by a space")
	}
	return sd, rest[1:], nil
}

// sdElementLen returns the length of the SD-ELEMENT "[...]" at the start of
// s, honouring quoted parameter values with \" \\ and \] escapes.
func sdElementLen(s string) (int, error) {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ']':
			return i + 1, nil
		}
	}
	return 0, errors.New("RFC 5424 structured data element is not closed")
}
