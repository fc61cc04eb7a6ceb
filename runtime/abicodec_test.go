package runtime

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"
)

// appendResponse encodes a response the way a guest SDK does (ABI.md).
func appendResponse(buf []byte, r *Response) []byte {
	le := binary.LittleEndian
	buf = le.AppendUint32(buf, responseMagic)
	buf = le.AppendUint32(buf, uint32(len(r.Records)))
	for _, a := range r.Records {
		buf = appendString(buf, a.RecordID)
		buf = append(buf, byte(a.Status))
		buf = le.AppendUint32(buf, uint32(len(a.Data)))
		buf = append(buf, a.Data...)
		buf = le.AppendUint32(buf, uint32(len(a.PartitionKeys)))
		for k, v := range a.PartitionKeys {
			buf = appendString(buf, k)
			buf = appendString(buf, v)
		}
		buf = appendString(buf, a.ErrorMessage)
	}
	return buf
}

func TestAppendBatchLayout(t *testing.T) {
	b := &Batch{InvocationID: "i", DeliveryStreamARN: "d", Region: "r", SourceStreamARN: "s", Records: []Record{
		{RecordID: "a", ArrivalTime: time.UnixMilli(5), Data: []byte("xy"),
			Kinesis: &KinesisMetadata{ShardID: "sh", PartitionKey: "k", SequenceNumber: "9", SubsequenceNumber: 2, ArrivalTime: time.UnixMilli(4)}},
		{RecordID: "b", Data: nil},
	}}
	got := appendBatch(nil, b)
	if len(got) != encodedBatchSize(b) {
		t.Errorf("encodedBatchSize = %d, encoding is %d bytes", encodedBatchSize(b), len(got))
	}
	want := []byte("SLB1" +
		"\x01\x00\x00\x00i\x01\x00\x00\x00d\x01\x00\x00\x00r\x01\x00\x00\x00s" +
		"\x02\x00\x00\x00" +
		"\x01\x00\x00\x00a" + "\x05\x00\x00\x00\x00\x00\x00\x00" + "\x01" +
		"\x02\x00\x00\x00sh" + "\x01\x00\x00\x00k" + "\x01\x00\x00\x009" +
		"\x02\x00\x00\x00\x00\x00\x00\x00" + "\x04\x00\x00\x00\x00\x00\x00\x00" +
		"\x02\x00\x00\x00xy" +
		"\x01\x00\x00\x00b" + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x00" + "\x00\x00\x00\x00")
	if string(got) != string(want) {
		t.Errorf("encoding\n got %q\nwant %q", got, want)
	}
}

func TestDecodeResponse(t *testing.T) {
	want := &Response{Records: []Result{
		{RecordID: "a", Status: StatusOk, Data: []byte("X"), PartitionKeys: map[string]string{"k": "v"}},
		{RecordID: "b", Status: StatusDropped},
		{RecordID: "c", Status: StatusProcessingFailed, ErrorMessage: "bad"},
	}}
	got, err := decodeResponse(appendResponse(nil, want), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
}

func TestDecodeResponseMalformed(t *testing.T) {
	good := appendResponse(nil, &Response{Records: []Result{{RecordID: "a", Data: []byte("x")}}})
	// good: magic 0-3, count 4-7, id len 8-11, id 12, result 13, data len 14-17, data 18, keys 19-22, msg len 23-26
	with := func(off int, b ...byte) []byte {
		c := append([]byte(nil), good...)
		copy(c[off:], b)
		return c
	}
	for _, tc := range []struct {
		name string
		buf  []byte
		want string
	}{
		{"empty", nil, "malformed response: magic past the end at byte 0"},
		{"bad magic", []byte("SLB1\x00\x00\x00\x00"), "malformed response: bad magic at byte 0"},
		{"count past end", with(4, 9), "malformed response: record count 9 past the end at byte 8"},
		{"result code", with(13, 3), "malformed response: result code 3 at byte 13"},
		{"id not utf-8", with(12, 0xff), "malformed response: record id is not UTF-8 at byte 8"},
		{"data past end", with(14, 200), "malformed response: data length past the end at byte 14"},
		{"trailing bytes", append(append([]byte(nil), good...), 0, 0), "malformed response: 2 bytes left over at byte 27"},
		{"truncated", good[:25], "malformed response: error message length past the end at byte 23"},
		{"count larger than the bytes", good[:20], "malformed response: record count 1 past the end at byte 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeResponse(tc.buf, nil)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	b := batchOf("x", "y")
	for _, tc := range []struct {
		name string
		ids  []string
		want string
	}{
		{"exact", []string{"b", "a"}, ""},
		{"twice", []string{"a", "a"}, `record "a" answered twice`},
		{"missing", []string{"a"}, `record "b" not answered`},
		{"unknown", []string{"a", "b", "x"}, `unknown record id "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &Response{}
			for _, id := range tc.ids {
				resp.Records = append(resp.Records, Result{RecordID: id})
			}
			var s indexScratch
			if err := s.reset(b); err != nil {
				t.Fatal(err)
			}
			s.matchAnswers(resp)
			err := validate(resp, &s)
			if got := errString(err); got != tc.want {
				t.Errorf("validate: %q, want %q", got, tc.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
