package main

import (
	"errors"
	"testing"

	"github.com/sluice-io/sluice/sdk/go/jsonpath"
)

func TestProjector(t *testing.T) {
	tests := []struct {
		name, fields, rename, in, want string
	}{
		{"keep top-level", "id,temp", "", `{"id":7,"temp":21.5,"noise":"x"}`, `{"id":7,"temp":21.5}`},
		{"keep nested", "id,sensor.site", "", `{"id":1,"sensor":{"site":"b","serial":"s1"},"x":2}`, `{"id":1,"sensor":{"site":"b"}}`},
		{"keep whole object and a part of it", "a.b,a", "", `{"a":{"b":1,"c":2},"d":3}`, `{"a":{"b":1,"c":2}}`},
		{"missing fields are skipped", "id,nope,sensor.nope,id.deeper", "", `{"id":1,"sensor":{}}`, `{"id":1}`},
		{"no FIELDS keeps everything", "", "", `{"b":1,"a":[1,{"x":null}]}`, `{"a":[1,{"x":null}],"b":1}`},
		{"rename only", "", "temp:temperature", `{"id":1,"temp":20}`, `{"id":1,"temperature":20}`},
		{"rename sources are kept", "id", "temp:temperature", `{"id":1,"temp":20,"x":0}`, `{"id":1,"temperature":20}`},
		{"rename out of a nested object prunes it", "", "meta.ts:ts", `{"meta":{"ts":5},"v":1}`, `{"ts":5,"v":1}`},
		{"rename into a nested object", "", "site:loc.site,floor:loc.floor", `{"site":"b","floor":3}`, `{"loc":{"floor":3,"site":"b"}}`},
		{"rename of a missing field", "", "nope:yes", `{"a":1}`, `{"a":1}`},
		{"big integers survive", "n", "", `{"n":12345678901234567890123,"m":1}`, `{"n":12345678901234567890123}`},
		{"no HTML escaping", "s", "", `{"s":"<a&b>"}`, `{"s":"<a&b>"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newProjector(tt.fields, tt.rename)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.apply([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProjectorFailsRecords(t *testing.T) {
	p, err := newProjector("a", "a:b.c")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{`[1,2]`, `"text"`, `42`, `null`, `{"a":1`, `{"a":1} {"a":2}`, `not json`, ``} {
		_, err := p.apply([]byte(in))
		if !errors.Is(err, jsonpath.ErrNotObject) {
			t.Errorf("%q: err = %v, want jsonpath.ErrNotObject", in, err)
		}
	}
	q, err := newProjector("", "a:b.c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.apply([]byte(`{"a":1,"b":2}`)); err == nil || err.Error() != "cannot set b.c: b is not an object" {
		t.Errorf("rename into a non-object: err = %v", err)
	}
}

func TestProjectorParameters(t *testing.T) {
	tests := []struct{ fields, rename, want string }{
		{"a,,b.", "", `FIELDS: field path "b." has an empty part`},
		{"", "a", `RENAME: "a" is not old:new`},
		{"", "a:", `RENAME: field path "" has an empty part`},
		{"", ".x:y", `RENAME: field path ".x" has an empty part`},
	}
	for _, tt := range tests {
		_, err := newProjector(tt.fields, tt.rename)
		if err == nil || err.Error() != tt.want {
			t.Errorf("FIELDS=%q RENAME=%q: err = %v, want %q", tt.fields, tt.rename, err, tt.want)
		}
	}
	if _, err := newProjector(" id , temp ", " temp : t "); err != nil {
		t.Errorf("spaces around names: %v", err)
	}
}

func BenchmarkApply(b *testing.B) {
	p, err := newProjector("id,s.a,temp", "s.a:site")
	if err != nil {
		b.Fatal(err)
	}
	rec := []byte(`{"id":1,"s":{"a":"site-1","b":[1,2,3]},"temp":21.5,"noise":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		p.reset()
		if _, err := p.apply(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyMaps is BenchmarkApply through encoding/json and maps, the
// path records the byte scanner does not take.
func BenchmarkApplyMaps(b *testing.B) {
	p, err := newProjector("id,s.a,temp", "s.a:site")
	if err != nil {
		b.Fatal(err)
	}
	rec := []byte(`{"id":1,"s":{"a":"site-1","b":[1,2,3]},"temp":21.5,"noise":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.applyMaps(rec); err != nil {
			b.Fatal(err)
		}
	}
}
