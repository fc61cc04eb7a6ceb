package transform

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// The test encoder and decoder below are written from sdk/ABI.md, separately
// from the SDK's own codec, so the round-trip tests compare two readings of
// the spec. The golden tests pin both to literal bytes.

type testRecord struct {
	id      string
	ts      int64
	kinesis *testKinesis
	data    []byte
}

type testKinesis struct {
	shard, key, seq string
	subseq, ts      int64
}

type testBatch struct {
	invocation, delivery, region, source string
	records                              []testRecord
}

func (b testBatch) encode() []byte {
	le32 := func(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }
	le64 := func(dst []byte, v int64) []byte { return binary.LittleEndian.AppendUint64(dst, uint64(v)) }
	str := func(dst []byte, s string) []byte { return append(le32(dst, uint32(len(s))), s...) }
	out := []byte("SLB1")
	out = str(out, b.invocation)
	out = str(out, b.delivery)
	out = str(out, b.region)
	out = str(out, b.source)
	out = le32(out, uint32(len(b.records)))
	for _, r := range b.records {
		out = str(out, r.id)
		out = le64(out, r.ts)
		if r.kinesis == nil {
			out = append(out, 0)
		} else {
			out = append(out, 1)
			out = str(out, r.kinesis.shard)
			out = str(out, r.kinesis.key)
			out = str(out, r.kinesis.seq)
			out = le64(out, r.kinesis.subseq)
			out = le64(out, r.kinesis.ts)
		}
		out = str(out, string(r.data))
	}
	return out
}

// testAnswer is one decoded answer of a response.
type testAnswer struct {
	id     string
	status Status
	data   string
	keys   [][2]string
	errMsg string
}

// decodeTestResponse decodes an ABI response strictly, failing the test on
// anything the host would refuse.
func decodeTestResponse(t *testing.T, b []byte) []testAnswer {
	t.Helper()
	off := 0
	need := func(n int) {
		if len(b)-off < n {
			t.Fatalf("response: %d bytes needed at byte %d, %d left", n, off, len(b)-off)
		}
	}
	u32 := func() uint32 {
		need(4)
		v := binary.LittleEndian.Uint32(b[off:])
		off += 4
		return v
	}
	str := func() string {
		n := int(u32())
		need(n)
		s := string(b[off : off+n])
		off += n
		return s
	}
	if got := u32(); got != 0x31524C53 {
		t.Fatalf("response magic = %#x, want SLR1", got)
	}
	count := int(u32())
	answers := make([]testAnswer, 0, count)
	for range count {
		var a testAnswer
		a.id = str()
		need(1)
		a.status = Status(b[off])
		off++
		if a.status > 2 {
			t.Fatalf("result code %d", a.status)
		}
		a.data = str()
		for range u32() {
			a.keys = append(a.keys, [2]string{str(), str()})
		}
		a.errMsg = str()
		answers = append(answers, a)
	}
	if off != len(b) {
		t.Fatalf("response: %d bytes left over", len(b)-off)
	}
	return answers
}

// run processes an encoded batch with h through a fresh processor.
func run(h handler, batch []byte) (string, int32) {
	var p processor
	out, code := p.process(&h, batch)
	return string(out), code
}

func recordIDs(n int) []testRecord {
	rs := make([]testRecord, n)
	for i := range rs {
		rs[i] = testRecord{id: fmt.Sprint(i), ts: int64(1700000000000 + i), data: []byte(fmt.Sprintf("r%d", i))}
	}
	return rs
}
