package firehose

import (
	"context"
	"reflect"
	"testing"

	"github.com/sluice-io/sluice/host/awsjson"
)

// FuzzFastDecode holds the PutRecordBatch and PutRecord decoders to
// encoding/json: whatever a body, the operation gets the same input, or
// the same error, as through Decode alone.
func FuzzFastDecode(f *testing.F) {
	for _, s := range []string{
		`{"DeliveryStreamName":"d","Records":[{"Data":"aGk="},{"Data":""}]}`, `{"Records":[],"DeliveryStreamName":"d"}`,
		`{"DeliveryStreamName":"d","Record":{"Data":"aGk="}}`, `{"Records":[null]}`, `{"Records":[{}]}`, `{"Record":null}`,
		`{"DeliveryStreamName":null}`, `{"deliverystreamname":"d"}`, `{"Records":[{"Data":"aGk=","Data":"AA=="}]}`,
		`{"Record":{"Data":"aGk"}}`, `{"DeliveryStreamName":"d\u0041"}`, `{"Records":[{"Data":"aGk="}]} x`, ` {"Record" : { "Data" : "" } } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsJSON[putRecordBatchInput](t, body)
		sameAsJSON[putRecordInput](t, body)
	})
}

// TestFastDecodeTakes: the usual bodies are taken by the fast decoders
// (else FuzzFastDecode proves nothing), the unusual handed on.
func TestFastDecodeTakes(t *testing.T) {
	for _, c := range []struct {
		body  string
		batch bool
		taken bool
	}{
		{`{"DeliveryStreamName":"d","Records":[{"Data":"aGk="},{"Data":""}]}`, true, true},
		{`{"DeliveryStreamName":"d","Records":[{"Data":"aGk="},null]}`, true, false},
		{`{"DeliveryStreamName":"d","Records":[{"Data":"aGk"}]}`, true, false},
		{`{"DeliveryStreamName":"d","Record":{"Data":"aGk="}}`, false, true},
		{`{"DeliveryStreamName":"d","Record":{"Data":"aGk="},"Record":{"Data":"aGk="}}`, false, false},
		{`{"DeliveryStreamName":"d","Records":[]}`, false, false},
	} {
		var took bool
		if c.batch {
			took = sameAsJSON[putRecordBatchInput](t, []byte(c.body))
		} else {
			took = sameAsJSON[putRecordInput](t, []byte(c.body))
		}
		if took != c.taken {
			t.Errorf("%s: taken %v, want %v", c.body, took, c.taken)
		}
	}
}

// sameAsJSON decodes body for an operation taking In (through
// awsjson.Func, so with the fast decoder and its fall-back) and with
// awsjson.Decode alone, and fails unless both give the same input or the
// same error. It reports whether the fast decoder took body.
func sameAsJSON[In any, P interface {
	*In
	awsjson.FastDecoder
}](t *testing.T, body []byte) bool {
	t.Helper()
	var want In
	wantErr := awsjson.Decode(body, &want)
	var got *In
	h := awsjson.Func(func(_ context.Context, in *In) (*struct{}, error) {
		got = in
		return nil, nil
	})
	_, gotErr := h.ServeAWS(context.Background(), body)
	switch {
	case (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error():
		t.Fatalf("%T of %q: error %v, encoding/json's %v", want, body, gotErr, wantErr)
	case wantErr == nil && !reflect.DeepEqual(*got, want):
		t.Fatalf("%T of %q:\n got %#v\nwant %#v", want, body, *got, want)
	}
	var fast In
	took := P(&fast).DecodeFastJSON(body)
	if took && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("%T of %q: the fast decoder took what encoding/json answers %v with %#v", want, body, wantErr, want)
	}
	return took
}
