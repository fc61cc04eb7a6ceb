package transform

import (
	"bytes"
	"errors"
	"testing"
)

// fakeHost answers kv_get calls from a table the way the ABI says the host
// does, recording the buffer sizes it was offered.
type fakeHost struct {
	table map[string][]byte
	code  int32 // when not 0, returned instead of a lookup
	caps  []int
}

func (f *fakeHost) call(bucket, key string, out []byte) int32 {
	f.caps = append(f.caps, len(out))
	if f.code != 0 {
		return f.code
	}
	v, ok := f.table[bucket+"/"+key]
	if !ok {
		return kvNotFound
	}
	if len(v) > len(out) {
		return int32(len(v))
	}
	return int32(copy(out, v))
}

func TestKVGet(t *testing.T) {
	big := bytes.Repeat([]byte("v"), kvInitialBuffer*3+1)
	host := &fakeHost{table: map[string][]byte{"devices/small": []byte(`{"site":"a"}`), "devices/big": big, "devices/empty": {}}}
	var buf []byte

	v, found, buf, err := kvGet("devices", "small", buf, host.call)
	if err != nil || !found || string(v) != `{"site":"a"}` {
		t.Fatalf("small = %q %v %v", v, found, err)
	}
	v, found, buf, err = kvGet("devices", "big", buf, host.call)
	if err != nil || !found || !bytes.Equal(v, big) {
		t.Fatalf("big = %d bytes %v %v", len(v), found, err)
	}
	if want := []int{kvInitialBuffer, kvInitialBuffer, len(big)}; len(host.caps) != 3 || host.caps[1] != want[1] || host.caps[2] != want[2] {
		t.Errorf("buffer sizes offered = %v, want %v", host.caps, want)
	}
	if len(buf) != len(big) {
		t.Errorf("buffer not kept grown: %d bytes", len(buf))
	}
	v, found, _, err = kvGet("devices", "empty", buf, host.call)
	if err != nil || !found || len(v) != 0 {
		t.Errorf("empty = %q %v %v", v, found, err)
	}
	v, found, _, err = kvGet("devices", "nope", buf, host.call)
	if err != nil || found || v != nil {
		t.Errorf("missing = %q %v %v", v, found, err)
	}
	// The value returned is the caller's: a later lookup must not change it.
	first, _, buf, _ := kvGet("devices", "small", buf, host.call)
	_, _, _, _ = kvGet("devices", "big", buf, host.call)
	if string(first) != `{"site":"a"}` {
		t.Errorf("earlier value changed to %q", first)
	}
}

func TestKVGetErrors(t *testing.T) {
	tests := []struct {
		code int32
		want error
		msg  string
	}{
		{kvNotGranted, ErrKVNotGranted, "kv_get b/k: bucket not granted to this module"},
		{kvLookupFailed, ErrKVLookupFailed, "kv_get b/k: lookup failed"},
		{kvNoHost, ErrNoHost, ""},
		{-7, nil, "kv_get b/k: host returned -7"},
	}
	for _, tt := range tests {
		host := &fakeHost{code: tt.code}
		_, found, _, err := kvGet("b", "k", nil, host.call)
		if err == nil || found {
			t.Errorf("code %d: found %v, err nil", tt.code, found)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("code %d: err = %v, want %v", tt.code, err, tt.want)
		}
		if tt.msg != "" && err.Error() != tt.msg {
			t.Errorf("code %d: err = %q, want %q", tt.code, err, tt.msg)
		}
	}
}

func TestKVGetValueKeepsGrowing(t *testing.T) {
	n := int32(kvInitialBuffer)
	growing := func(_, _ string, out []byte) int32 { n *= 2; return n }
	_, _, _, err := kvGet("b", "k", nil, growing)
	if err == nil {
		t.Fatal("a value that grows on every call must end in an error")
	}
}
