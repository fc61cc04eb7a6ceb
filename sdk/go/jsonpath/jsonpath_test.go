package jsonpath

import (
	"errors"
	"testing"
)

func TestPaths(t *testing.T) {
	obj, err := DecodeObject([]byte(`{"id":1.50,"sensor":{"site":"a","serial":"s"},"x":"<&>"}`))
	if err != nil {
		t.Fatal(err)
	}
	site, _ := Parse("sensor.site")
	if v, ok := site.Get(obj); !ok || v != "a" {
		t.Fatalf("get sensor.site = %v %v", v, ok)
	}
	if _, ok := (Path{"sensor", "nope"}).Get(obj); ok {
		t.Fatal("get of a missing field found something")
	}
	if err := (Path{"x", "y"}).Set(obj, 1); err == nil || err.Error() != "cannot set x.y: x is not an object" {
		t.Fatalf("set through a string: %v", err)
	}
	if err := (Path{"loc", "lat"}).Set(obj, 2); err != nil {
		t.Fatal(err)
	}
	site.Remove(obj)
	(Path{"sensor", "serial"}).Remove(obj) // leaves sensor empty: removed too
	out, err := EncodeObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":1.50,"loc":{"lat":2},"x":"<&>"}`; string(out) != want {
		t.Fatalf("encoded %s, want %s", out, want)
	}
}

func TestBadInput(t *testing.T) {
	for _, in := range []string{`[1]`, `{"a":1} {}`, `nope`, ``} {
		if _, err := DecodeObject([]byte(in)); !errors.Is(err, ErrNotObject) {
			t.Errorf("%q: err %v, want ErrNotObject", in, err)
		}
	}
	for _, in := range []string{"", "a..b", ".a", "a."} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}
