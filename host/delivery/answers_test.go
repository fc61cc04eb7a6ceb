package delivery

import (
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

// TestAnswers: each record gets its own answer whether the transform
// answered in the batch's order, in reverse, or in no order.
func TestAnswers(t *testing.T) {
	b := &runtime.Batch{Records: []runtime.Record{{RecordID: "a"}, {RecordID: "b"}, {RecordID: "c"}, {RecordID: "d"}}}
	for _, order := range [][]string{{"a", "b", "c", "d"}, {"d", "c", "b", "a"}, {"a", "c", "b", "d"}, {"b", "a", "c", "d"}} {
		resp := &runtime.Response{}
		for _, id := range order {
			resp.Records = append(resp.Records, runtime.Result{RecordID: id, Data: []byte("answer " + id)})
		}
		answer := answers(b, resp)
		for i, r := range b.Records {
			if got := answer(i); got.RecordID != r.RecordID || string(got.Data) != "answer "+r.RecordID {
				t.Errorf("order %v: record %s got the answer of %s", order, r.RecordID, got.RecordID)
			}
		}
	}
}
