package transforms

import (
	"testing"
	"time"

	"github.com/sluice-io/sluice/runtime"
)

const syslogWasm = "syslog/syslog.wasm"

// TestSyslog runs the WASI command (no SDK) through the runtime: the event
// goes in as JSON on stdin, the answer comes back as JSON on stdout.
func TestSyslog(t *testing.T) {
	kinesis := &runtime.KinesisMetadata{
		ShardID: "shardId-000000000003", PartitionKey: "host-7", SequenceNumber: "49590338271490256608559692538361571095921575989136588898",
		SubsequenceNumber: 0, ArrivalTime: baseArrival,
	}
	runSuites(t, "syslog", syslogWasm, []suite{{
		name: "lines",
		recs: []rec{
			{name: "rfc 3164 readme example", data: "<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed",
				want: okJSON(`{"facility":4,"severity":2,"timestamp":"2025-10-11T22:14:15Z","host":"mymachine",
					"app":"su","pid":"123","message":"'su root' failed"}`)},
			{name: "rfc 3164 from a data stream", data: "<13>Oct  1 02:03:04 edge-1 sshd: accepted\n", kinesis: kinesis,
				want: okJSON(`{"facility":1,"severity":5,"timestamp":"2025-10-01T02:03:04Z","host":"edge-1","app":"sshd","message":"accepted"}`)},
			{name: "rfc 3164 december arriving in january", data: "<14>Dec 31 23:59:59 h app: late",
				arrival: time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC),
				want:    okJSON(`{"facility":1,"severity":6,"timestamp":"2025-12-31T23:59:59Z","host":"h","app":"app","message":"late"}`)},
			{name: "rfc 5424 readme example", data: `<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 ID47 [ex@1 a="b"] message`,
				want: okJSON(`{"facility":20,"severity":5,"timestamp":"2003-08-24T05:14:15.000003-07:00","host":"192.0.2.1",
					"app":"myproc","pid":"8710","msgid":"ID47","structured_data":"[ex@1 a=\"b\"]","message":"message"}`)},
			{name: "rfc 5424 nil values and BOM", data: "<13>1 - - - - - - \ufeffhello",
				want: okJSON(`{"facility":1,"severity":5,"message":"hello"}`)},
			{name: "no PRI", data: "hello world", want: failed("not a syslog line: no <PRI> at the start")},
			{name: "PRI too big", data: "<192>Oct 11 22:14:15 h a: m", want: failed(`bad PRI "192"`)},
			{name: "no timestamp", data: "<34>hello", want: failed("not a syslog line: no RFC 5424 version and no RFC 3164 timestamp")},
			{name: "bad rfc 5424 timestamp", data: "<34>1 yesterday h a - - - m", want: failed(`bad RFC 5424 timestamp "yesterday"`)},
		},
	}})
}
