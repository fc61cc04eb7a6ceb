package main

import (
	"encoding/json"
	"testing"
	"time"
)

var arrival = time.Date(2025, time.October, 20, 12, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		// The examples of RFC 3164 section 5.4 and RFC 5424 section 6.5.
		{"3164 tag, no pid", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			`{"facility":4,"severity":2,"timestamp":"2025-10-11T22:14:15Z","host":"mymachine","app":"su","message":"'su root' failed for lonvick on /dev/pts/8"}`},
		{"3164 tag and pid", "<13>Feb  5 17:32:18 10.0.0.99 sshd[4123]: Accepted publickey for root\n",
			`{"facility":1,"severity":5,"timestamp":"2025-02-05T17:32:18Z","host":"10.0.0.99","app":"sshd","pid":"4123","message":"Accepted publickey for root"}`},
		{"3164 pid without colon", "<13>Feb  5 17:32:18 h cron[7] started",
			`{"facility":1,"severity":5,"timestamp":"2025-02-05T17:32:18Z","host":"h","app":"cron","pid":"7","message":"started"}`},
		{"3164 no tag", "<0>Oct 20 01:02:03 h just a message",
			`{"facility":0,"severity":0,"timestamp":"2025-10-20T01:02:03Z","host":"h","message":"just a message"}`},
		{"3164 December line arriving in January belongs to the year before", "<191>Dec 31 23:59:59 h a: b",
			`{"facility":23,"severity":7,"timestamp":"2024-12-31T23:59:59Z","host":"h","app":"a","message":"b"}`},
		{"5424 full", "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
			`{"facility":4,"severity":2,"timestamp":"2003-10-11T22:14:15.003Z","host":"mymachine.example.com","app":"su","msgid":"ID47","message":"'su root' failed for lonvick on /dev/pts/8"}`},
		{"5424 offset and procid", "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
			`{"facility":20,"severity":5,"timestamp":"2003-08-24T05:14:15.000003-07:00","host":"192.0.2.1","app":"myproc","pid":"8710","message":"%% It's time to make the do-nuts."}`},
		{"5424 structured data, no message", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]`,
			`{"facility":20,"severity":5,"timestamp":"2003-10-11T22:14:15.003Z","host":"mymachine.example.com","app":"evntslog","msgid":"ID47","structured_data":"[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]","message":""}`},
		{"5424 two elements with escapes", `<165>1 - - - - - [a x="q\"]"][b y="\\"] hi`,
			`{"facility":20,"severity":5,"structured_data":"[a x=\"q\\\"]\"][b y=\"\\\\\"]","message":"hi"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parse([]byte(tt.line), arrival)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(m)
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseFailures(t *testing.T) {
	tests := []struct{ line, want string }{
		{"", "not a syslog line: no <PRI> at the start"},
		{"hello", "not a syslog line: no <PRI> at the start"},
		{"<>Oct 11 22:14:15 h m", "not a syslog line: no <PRI> at the start"},
		{"<1234>Oct 11 22:14:15 h m", "not a syslog line: no <PRI> at the start"},
		{"<192>Oct 11 22:14:15 h m", `bad PRI "192"`},
		{"<01>Oct 11 22:14:15 h m", `bad PRI "01"`},
		{"<1x>Oct 11 22:14:15 h m", `bad PRI "1x"`},
		{"<13>hello", "not a syslog line: no RFC 5424 version and no RFC 3164 timestamp"},
		{"<13>Foo 11 22:14:15 h m", `bad RFC 3164 timestamp "Foo 11 22:14:15"`},
		{"<13>Oct 11 22:14:15  m", "RFC 3164 line has no host"},
		{"<13>1 2003-10-11T22:14:15Z host app", "RFC 5424 line ends after its app"},
		{"<13>1 2003-10-11T22:14:15Z  app", "RFC 5424 line has no host"},
		{"<13>1 yesterday host app 1 id - m", `bad RFC 5424 timestamp "yesterday"`},
		{"<13>1 - host app 1 id msg", "RFC 5424 line has no structured data (want - or [...])"},
		{"<13>1 - host app 1 id [a x=\"]\" m", "RFC 5424 structured data element is not closed"},
		{"<13>1 - host app 1 id [a]m", "RFC 5424 structured data is not followed by a space"},
	}
	for _, tt := range tests {
		_, err := parse([]byte(tt.line), arrival)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: err = %v, want %q", tt.line, err, tt.want)
		}
	}
}
