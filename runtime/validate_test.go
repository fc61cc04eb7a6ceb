package runtime

import (
	"bytes"
	"testing"
	"time"
)

// TestEncodeBatch: the batch is encoded into the guest's buffer only when
// that is exactly the encoding's size; otherwise nothing is written past
// the buffer and the call reports it.
func TestEncodeBatch(t *testing.T) {
	for _, b := range []*Batch{
		{},
		batchOf("x", "", "yz"),
		{InvocationID: "i", Region: "r", Records: []Record{
			{RecordID: "0", ArrivalTime: time.UnixMilli(7), Data: []byte("d"),
				Kinesis: &KinesisMetadata{ShardID: "shardId-000000000000", PartitionKey: "k", SequenceNumber: "49", SubsequenceNumber: 3}},
			{RecordID: "1", Kinesis: &KinesisMetadata{}},
		}},
	} {
		want := appendBatch(nil, b)
		if n := encodedBatchSize(b); n != len(want) {
			t.Fatalf("encodedBatchSize = %d, encoding is %d bytes", n, len(want))
		}
		for _, delta := range []int{0, -1, 1} {
			mem := bytes.Repeat([]byte{0xEE}, len(want)+8)
			dst := mem[4 : 4+len(want)+delta]
			ok := encodeBatch(dst, b)
			if ok != (delta == 0) {
				t.Errorf("buffer of %d bytes for %d: encodeBatch = %t", len(dst), len(want), ok)
			}
			if ok && !bytes.Equal(dst, want) {
				t.Errorf("encoded %q, want %q", dst, want)
			}
			if !bytes.Equal(mem[:4], []byte{0xEE, 0xEE, 0xEE, 0xEE}) || !bytes.Equal(mem[4+len(dst):], bytes.Repeat([]byte{0xEE}, len(mem)-4-len(dst))) {
				t.Errorf("buffer of %d bytes for %d: wrote outside it", len(dst), len(want))
			}
		}
	}
}

// TestMatchAnswers: answers are matched to records by position when they
// come back in order and by id otherwise, through both the SDK decoder
// and the WASI path, with the same verdicts.
func TestMatchAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		batch   []string
		answers []string
		want    string
	}{
		{"in order", []string{"1", "2", "10"}, []string{"1", "2", "10"}, ""},
		{"reversed", []string{"1", "2", "10"}, []string{"10", "2", "1"}, ""},
		{"one swap", []string{"a", "b", "c", "d"}, []string{"a", "c", "b", "d"}, ""},
		{"unsorted batch in order", []string{"b", "a", "c"}, []string{"b", "a", "c"}, ""},
		{"unsorted batch reversed", []string{"b", "a", "c"}, []string{"c", "a", "b"}, ""},
		{"unknown in place", []string{"a", "b"}, []string{"a", "x"}, `unknown record id "x"`},
		{"unknown past the end", []string{"a", "b"}, []string{"a", "b", "x"}, `unknown record id "x"`},
		{"twice in order", []string{"a", "b"}, []string{"a", "a"}, `record "a" answered twice`},
		{"twice past the end", []string{"a", "b"}, []string{"a", "b", "b"}, `record "b" answered twice`},
		{"missing", []string{"a", "b", "c"}, []string{"a", "c"}, `record "b" not answered`},
		{"missing last", []string{"a", "b"}, []string{"a"}, `record "b" not answered`},
		{"id of another length", []string{"1", "2"}, []string{"1", "20"}, `unknown record id "20"`},
		{"unknown before twice", []string{"a", "b"}, []string{"x", "a", "a"}, `unknown record id "x"`},
		{"no answers", []string{"a"}, nil, `record "a" not answered`},
	} {
		b := &Batch{}
		for _, id := range tc.batch {
			b.Records = append(b.Records, Record{RecordID: id, Data: []byte("in-" + id)})
		}
		resp := &Response{}
		for _, id := range tc.answers {
			resp.Records = append(resp.Records, Result{RecordID: id, Status: StatusProcessingFailed})
		}
		check := func(path string, s *indexScratch, got *Response, err error) {
			if err == nil {
				err = validate(got, s)
			}
			if errString(err) != tc.want {
				t.Errorf("%s/%s: %q, want %q", tc.name, path, errString(err), tc.want)
				return
			}
			if err != nil {
				return
			}
			for i := range got.Records {
				res := &got.Records[i]
				if string(res.Data) != "in-"+res.RecordID {
					t.Errorf("%s/%s: answer %q has data %q, not its record's", tc.name, path, res.RecordID, res.Data)
				}
			}
		}
		var s indexScratch // reused: a previous case's state must not leak
		if err := s.reset(b); err != nil {
			t.Fatal(err)
		}
		got, err := decodeResponse(appendResponse(nil, resp), &s)
		check("sdk", &s, got, err)

		var w indexScratch
		if err := w.reset(b); err != nil {
			t.Fatal(err)
		}
		wasi := &Response{Records: append([]Result(nil), resp.Records...)}
		w.matchAnswers(wasi)
		check("wasi", &w, wasi, nil)
	}
}

// TestScratchReuse: one scratch serves batch after batch (as an instance's
// does); a map built for one batch never answers for the next.
func TestScratchReuse(t *testing.T) {
	var s indexScratch
	for _, step := range []struct {
		batch, answers []string
		want           string
	}{
		{[]string{"b", "a"}, []string{"a", "b"}, ""}, // builds the map
		{[]string{"c", "d"}, []string{"d", "a"}, `unknown record id "a"`},
		{[]string{"c", "d"}, []string{"d", "c"}, ""},
		{[]string{"a", "a"}, nil, `batch repeats record id "a"`},
		{[]string{"9", "10", "11"}, []string{"11", "10", "9"}, ""},
	} {
		b := &Batch{}
		for _, id := range step.batch {
			b.Records = append(b.Records, Record{RecordID: id})
		}
		err := s.reset(b)
		if err == nil {
			resp := &Response{}
			for _, id := range step.answers {
				resp.Records = append(resp.Records, Result{RecordID: id})
			}
			resp, err = decodeResponse(appendResponse(nil, resp), &s)
			if err == nil {
				err = validate(resp, &s)
			}
		}
		if errString(err) != step.want {
			t.Errorf("batch %v answered %v: %q, want %q", step.batch, step.answers, errString(err), step.want)
		}
	}
}

func TestIDsIncreasing(t *testing.T) {
	for _, tc := range []struct {
		ids  []string
		want bool
	}{
		{nil, true},
		{[]string{"x"}, true},
		{[]string{"9", "10", "11", "100"}, true},
		{[]string{"5.0", "5.1", "5.10"}, true},
		{[]string{"a", "a"}, false},
		{[]string{"10", "9"}, false},
		{[]string{"b", "a"}, false},
		{[]string{"5.10", "6.0"}, false}, // distinct, but the map decides
	} {
		var recs []Record
		for _, id := range tc.ids {
			recs = append(recs, Record{RecordID: id})
		}
		if got := idsIncreasing(recs); got != tc.want {
			t.Errorf("idsIncreasing(%q) = %t, want %t", tc.ids, got, tc.want)
		}
	}
}
