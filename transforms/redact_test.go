package transforms

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

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
				{name: "json strings, numbers left alone", data: `{"email":"bob\u0040example.com","card":4111111111111111,"n":12,"ip":["10.0.0.1"]}`,
					want: okJSON(`{"email":"[EMAIL]","card":4111111111111111,"n":12,"ip":["[IP]"]}`)},
				{name: "card formats in json strings", data: `{"visa":"4111 1111 1111 1111","mc":"5500-0055-5555-5559","mc2":"2223000048400011","amex":"3782 822463 10005","discover":"6011111111111117","diners":"30569309025904","jcb":"3530111333300000","unionpay":"6200000000000005","maestro":"6759649826438453","visa13":"4222222222222"}`,
					want: okJSON(`{"visa":"[CARD]","mc":"[CARD]","mc2":"[CARD]","amex":"[CARD]","discover":"[CARD]","diners":"[CARD]","jcb":"[CARD]","unionpay":"[CARD]","maestro":"[CARD]","visa13":"[CARD]"}`)},
				{name: "luhn but no issuer", data: `{"ts":"1700000000004","id":"9111111111111110","mc19":"5105105105105100005"}`,
					want: okText(`{"ts":"1700000000004","id":"9111111111111110","mc19":"5105105105105100005"}`)},
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
			name: "cards in json numbers too",
			env:  map[string]string{"CARD_IN_NUMBERS": "true"},
			recs: []rec{
				{name: "numbers", data: `{"card":4111111111111111,"ts":1700000000004,"amount":12.5}`,
					want: okJSON(`{"card":"[CARD]","ts":1700000000004,"amount":12.5}`)},
			},
		},
		{
			name:     "bad CARD_IN_NUMBERS",
			env:      map[string]string{"CARD_IN_NUMBERS": "yes"},
			batchErr: `transform redact@1: guest error: parameter CARD_IN_NUMBERS is "yes"; use true or false`,
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

// TestRedactKeepsTimestamps sends 50,000 records carrying epoch-millisecond
// timestamps (about 1 in 10 of which passes the Luhn check) as a JSON
// number, in a JSON string and in text, through the module with its
// default settings: every record comes back unchanged.
func TestRedactKeepsTimestamps(t *testing.T) {
	const records, perBatch = 50_000, 500
	m := load(t, newRuntime(t), "redact", redactWasm, runtime.ModuleConfig{})
	ts := int64(1_600_000_000_000) // 2020-09-13
	luhn := 0
	for range records / perBatch {
		b := &runtime.Batch{InvocationID: "ts", DeliveryStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/ts", Region: "us-east-1"}
		for i := range perBatch {
			ts += 7_919_731 // about 91 days over the whole test, every last digit
			if luhnOK(fmt.Sprint(ts)) {
				luhn++
			}
			data := fmt.Sprintf(`{"ts":%d,"at":"%d","msg":"seen at %d ms"}`, ts, ts, ts)
			b.Records = append(b.Records, runtime.Record{RecordID: fmt.Sprint(i), ArrivalTime: baseArrival, Data: []byte(data)})
		}
		resp, err := m.Transform(t.Context(), b)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Records) != perBatch {
			t.Fatalf("%d answers for %d records", len(resp.Records), perBatch)
		}
		for i, res := range resp.Records {
			if in := b.Records[i].Data; res.Status != runtime.StatusOk || !bytes.Equal(res.Data, in) {
				t.Fatalf("%s became %v %s", in, res.Status, res.Data)
			}
		}
	}
	if luhn < records/20 {
		t.Errorf("only %d of %d timestamps pass Luhn: the test does not test much", luhn, records)
	}
}

// luhnOK reports whether the decimal digits pass the Luhn check.
func luhnOK(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
