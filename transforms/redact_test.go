package transforms

import "testing"

const redactWasm = "redact/redact.wasm"

func TestRedact(t *testing.T) {
	runSuites(t, "redact", redactWasm, []suite{
		{
			name: "defaults",
			recs: []rec{
				{name: "text", data: "user jo.smith+tag@mail.example.co.uk paid with 4111 1111 1111 1111 from 192.0.2.7",
					want: okText("user [EMAIL] paid with [CARD] from [IP]")},
				{name: "card then year", data: "card 4111 1111 1111 1111 2024", want: okText("card [CARD] 2024")},
				{name: "not Luhn", data: "order 4111 1111 1111 1112", want: okText("order 4111 1111 1111 1112")},
				{name: "ipv6", data: "from 2001:db8::1 and ::1 at 12:30:45", want: okText("from [IP] and [IP] at 12:30:45")},
				{name: "oid left alone", data: "oid 1.2.3.4.5", want: okText("oid 1.2.3.4.5")},
				{name: "json strings and card numbers", data: `{"email":"bob\u0040example.com","card":4111111111111111,"n":12,"ip":["10.0.0.1"]}`,
					want: okJSON(`{"email":"[EMAIL]","card":"[CARD]","n":12,"ip":["[IP]"]}`)},
				{name: "json untouched when clean", data: `{ "a" : 1.50 }`, want: okText(`{ "a" : 1.50 }`)},
				{name: "empty", data: "", want: okText("")},
				{name: "not UTF-8", data: "ok \xff", want: failed("record is not UTF-8 (invalid byte at offset 3)")},
			},
		},
		{
			name: "last4, cards and ips only",
			env:  map[string]string{"CARD": "last4", "REDACT": "card, ip"},
			recs: []rec{
				{name: "text", data: "jo@example.com card 5500 0055 5555 5559. from 10.1.2.3",
					want: okText("jo@example.com card ****5559. from [IP]")},
			},
		},
		{
			name:     "bad CARD",
			env:      map[string]string{"CARD": "hide"},
			batchErr: `transform redact@1: guest error: parameter CARD is "hide"; use mask or last4`,
		},
		{
			name:     "bad REDACT",
			env:      map[string]string{"REDACT": "email,phone"},
			batchErr: `transform redact@1: guest error: parameter REDACT names "phone"; use email, card or ip`,
		},
	})
}
