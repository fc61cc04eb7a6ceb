package transform

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestProcessRecordFunc(t *testing.T) {
	in := testBatch{records: []testRecord{
		{id: "up", data: []byte("abc")},
		{id: "drop", data: []byte("skip me")},
		{id: "fail", data: []byte("bad")},
		{id: "keys", data: []byte("k")},
	}}
	h := handler{record: func(r Record) (Result, error) {
		switch string(r.Data) {
		case "skip me":
			return Drop(), nil
		case "bad":
			return Ok([]byte("ignored")), errors.New("cannot parse \xff")
		case "k":
			return OkWithPartitionKeys(r.Data, map[string]string{"customer": "c1"}), nil
		}
		return Ok(bytes.ToUpper(r.Data)), nil
	}}
	out, code := run(h, in.encode())
	if code != 0 {
		t.Fatalf("code %d: %s", code, out)
	}
	got := decodeTestResponse(t, []byte(out))
	want := []testAnswer{
		{id: "up", status: StatusOk, data: "ABC"},
		{id: "drop", status: StatusDropped},
		{id: "fail", status: StatusProcessingFailed, errMsg: "cannot parse \uFFFD"},
		{id: "keys", status: StatusOk, data: "k", keys: [][2]string{{"customer", "c1"}}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("answers =\n%+v\nwant\n%+v", got, want)
	}
}

func TestProcessBatchFunc(t *testing.T) {
	in := testBatch{invocation: "inv-7", records: recordIDs(3)}
	var seen string
	h := handler{batch: func(b *Batch) ([]Result, error) {
		seen = b.InvocationID
		rs := make([]Result, len(b.Records))
		for i, r := range b.Records {
			rs[i] = Ok(append([]byte("#"), r.Data...))
		}
		return rs, nil
	}}
	out, code := run(h, in.encode())
	if code != 0 {
		t.Fatalf("code %d: %s", code, out)
	}
	if seen != "inv-7" {
		t.Errorf("batch function saw invocation %q", seen)
	}
	got := decodeTestResponse(t, []byte(out))
	for i, a := range got {
		if a.id != fmt.Sprint(i) || a.data != fmt.Sprintf("#r%d", i) || a.status != StatusOk {
			t.Errorf("answer %d = %+v", i, a)
		}
	}
}

func TestProcessFailures(t *testing.T) {
	batch := testBatch{records: recordIDs(2)}.encode()
	okRecord := func(r Record) (Result, error) { return Ok(r.Data), nil }
	tests := []struct {
		name    string
		h       handler
		input   []byte
		code    int32
		message string // the output when code is 1; a substring of the failed record's error otherwise
	}{
		{"nothing registered", handler{}, batch, 1, ErrNotRegistered.Error()},
		{"registration error", handler{err: ErrRegisteredTwice}, batch, 1, ErrRegisteredTwice.Error()},
		{"malformed batch", handler{record: okRecord}, []byte("SLB1"), 1, "malformed batch: invocation_id length past the end at byte 4"},
		{"batch error", handler{batch: func(*Batch) ([]Result, error) { return nil, errors.New("table unavailable") }}, batch, 1, "table unavailable"},
		{"too few results", handler{batch: func(*Batch) ([]Result, error) { return []Result{Drop()}, nil }}, batch, 1, "batch function returned 1 results for 2 records"},
		{"batch panic", handler{batch: func(*Batch) ([]Result, error) { panic("boom") }}, batch, 1, "panic in batch function: boom"},
		{"record panic", handler{record: func(r Record) (Result, error) {
			var m map[string]int
			m[r.ID]++
			return Result{}, nil
		}}, batch, 1, `panic in record function (record "0"): assignment to entry in nil map`},
		{"record panic after the first record", handler{record: func(r Record) (Result, error) {
			if r.ID == "1" {
				panic("second record")
			}
			return Ok(r.Data), nil
		}}, batch, 1, `panic in record function (record "1"): second record`},
		{"unknown status", handler{record: func(Record) (Result, error) { return Result{Status: 9}, nil }}, batch, 0, "transform returned unknown status 9"},
		{"partition key not UTF-8", handler{record: func(r Record) (Result, error) {
			return OkWithPartitionKeys(r.Data, map[string]string{"k": "\xff"}), nil
		}}, batch, 0, `partition key "k" is not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := run(tt.h, tt.input)
			if code != tt.code {
				t.Fatalf("code = %d (%q), want %d", code, out, tt.code)
			}
			if code == 1 {
				if out != tt.message {
					t.Errorf("message = %q\nwant      %q", out, tt.message)
				}
				return
			}
			for _, a := range decodeTestResponse(t, []byte(out)) {
				if a.status != StatusProcessingFailed || !strings.Contains(a.errMsg, tt.message) {
					t.Errorf("answer %+v, want ProcessingFailed with %q", a, tt.message)
				}
			}
		})
	}
}

func TestRegistration(t *testing.T) {
	fn := func(Record) (Result, error) { return Drop(), nil }
	var once handler
	once.set(fn, nil)
	if once.err != nil || once.record == nil {
		t.Errorf("one registration: %+v", once)
	}
	var twice handler
	twice.set(fn, nil)
	twice.set(nil, func(*Batch) ([]Result, error) { return nil, nil })
	if !errors.Is(twice.err, ErrRegisteredTwice) {
		t.Errorf("two registrations: err = %v", twice.err)
	}
	var nilFn handler
	nilFn.set(nil, nil)
	if !errors.Is(nilFn.err, ErrNilFunc) {
		t.Errorf("nil function: err = %v", nilFn.err)
	}
}

func TestProcessorReusesBuffers(t *testing.T) {
	var p processor
	h := handler{record: func(r Record) (Result, error) { return Ok(r.Data), nil }}
	first := testBatch{records: recordIDs(20)}.encode()
	in := p.alloc(int32(len(first)))
	copy(in, first)
	out, code := p.process(&h, p.input(addressOf(in), len(in)))
	if code != 0 {
		t.Fatalf("code %d: %s", code, out)
	}
	inAddr, outAddr := addressOf(in), addressOf(out)

	second := testBatch{records: recordIDs(5)}.encode()
	in = p.alloc(int32(len(second)))
	copy(in, second)
	out, code = p.process(&h, p.input(addressOf(in), len(in)))
	if code != 0 {
		t.Fatalf("code %d: %s", code, out)
	}
	if addressOf(in) != inAddr || addressOf(out) != outAddr {
		t.Error("a smaller second batch got new input or output buffers")
	}
	if got := decodeTestResponse(t, out); len(got) != 5 || got[4].data != "r4" {
		t.Errorf("second batch answers = %+v", got)
	}
}

func TestAllocAndInput(t *testing.T) {
	var p processor
	if p.input(4096, 1) != nil {
		t.Error("input accepted an address before any alloc")
	}
	if p.alloc(-1) != nil || p.alloc(maxAlloc+1) != nil {
		t.Error("alloc accepted a negative or huge size")
	}
	buf := p.alloc(0)
	if buf == nil || cap(buf) == 0 {
		t.Fatal("alloc(0) must give a non-empty buffer, so its address is not 0")
	}
	buf = p.alloc(100)
	base := addressOf(buf)
	tests := []struct {
		name string
		ptr  uintptr
		n    int
		ok   bool
	}{
		{"whole buffer", base, 100, true},
		{"inside", base + 10, 50, true},
		{"before", base - 1, 10, false},
		{"past the end", base + 90, 20, false},
		{"negative length", base, -1, false},
	}
	for _, tt := range tests {
		got := p.input(tt.ptr, tt.n)
		if (got != nil) != tt.ok {
			t.Errorf("%s: input = %v, want ok %v", tt.name, got != nil, tt.ok)
		}
	}
}
