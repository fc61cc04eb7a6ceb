package format

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// diffSchema has every type, required and optional fields, structs in
// lists and lists in structs: what the fast path must shred exactly as the
// map path does.
var diffSchema = []Field{
	{Name: "id", Type: TypeInt64, Required: true},
	{Name: "n32", Type: TypeInt32},
	{Name: "f", Type: TypeFloat},
	{Name: "d", Type: TypeDouble},
	{Name: "s", Type: TypeString},
	{Name: "ok", Type: TypeBoolean},
	{Name: "at", Type: TypeTimestampMS},
	{Name: "atus", Type: TypeTimestampUS},
	{Name: "day", Type: TypeDate},
	{Name: "amount", Type: TypeDecimal, Precision: 5, Scale: 2},
	{Name: "big", Type: TypeDecimal, Precision: 20, Scale: 3},
	{Name: "huge", Type: TypeDecimal, Precision: 38, Scale: 0},
	{Name: "whole", Type: TypeDecimal, Precision: 18, Scale: 0},
	{Name: "meta", Type: TypeStruct, Fields: []Field{
		{Name: "src", Type: TypeStruct, Required: true, Fields: []Field{{Name: "host", Type: TypeString}}},
		{Name: "n", Type: TypeInt32},
	}},
	{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString, Required: true}},
	{Name: "opt", Type: TypeList, Items: &Field{Type: TypeInt64}},
	{Name: "lines", Type: TypeList, Items: &Field{Type: TypeStruct, Fields: []Field{
		{Name: "sku", Type: TypeString, Required: true},
		{Name: "dims", Type: TypeList, Items: &Field{Type: TypeInt32}},
	}}},
	{Name: "grid", Type: TypeList, Required: true, Items: &Field{Type: TypeList, Items: &Field{Type: TypeDouble}}},
}

// diffRecords are the seeds of the differential test; fast says whether
// the fast path must take the record itself (the rest it leaves to the
// map path, which then gives the answer).
var diffRecords = []struct {
	record string
	fast   bool
	// keepSlow: with keepUnknown the record is left to the map path.
	keepSlow bool
}{
	{`{"id":1,"grid":[]}`, true, false},
	{` {"grid":[[1,2],[],null,[3]] , "id" : -7 }` + "\n", true, false},
	{`{"id":1,"grid":[],"n32":2147483647,"f":1.5,"d":-2.5e-3,"s":"plain","ok":true,"at":"2024-05-01T12:00:00.123456Z","atus":"2024-05-01T12:00:00.123456789+02:00","day":"2024-02-29","amount":"-123.45"}`, true, false},
	{`{"id":3e2,"grid":[],"n32":-0,"at":1714564800123,"atus":-1,"amount":1.5,"ok":false,"f":null,"d":0}`, true, false},
	{`{"id":1.0,"grid":[],"amount":12345e-2,"d":1E+2}`, true, false},
	{`{"id":1,"grid":[],"meta":{"src":{"host":"h"}},"tags":["a","b"],"opt":[1,null,3],"lines":[{"sku":"x","dims":[1,2]},{"sku":"y"},{"dims":[],"sku":"z"},null]}`, true, false},
	{`{"id":1,"grid":[],"meta":{"n":5,"src":{}}}`, true, false},
	{`{"id":1,"grid":[],"meta":null,"tags":null,"lines":[]}`, true, false},
	{`{"id":1,"grid":[],"s":"tab\tquote\"slash\/uni\u00e9 \ud83d\ude00 lone \ud800 end"}`, true, false},
	{`{"id":1,"grid":[],"s":"héllo wörld"}`, true, false},
	{"{\"id\":1,\"grid\":[],\"s\":\"bad \xff\xfe utf8\"}", true, false},
	{`{"id":1,"grid":[],"unknown":{"z":[1,{"b":"<&>"}],"a":null},"other":"x\u0041","_extra":5,"n":1.50}`, true, false},
	{`{"id":123456789012345678,"grid":[]}`, true, false},
	{`{"id":1,"grid":[],"big":"-12345678901234567.891","huge":-99999999999999999999999999999999999999,"whole":-999999999999999999}`, true, false},
	{`{"id":1,"grid":[],"big":"+.5","huge":"00012","whole":"1.000","amount":"-0.00"}`, true, false},
	{`{"id":1,"grid":[],"big":-1,"huge":1e37,"whole":123e-0,"amount":5.}`, false, false},
	{`{"id":1,"grid":[],"big":"-0.001","huge":"-1","whole":"999999999999999999","amount":"5."}`, true, false},
	{`{"id":1,"grid":[],"big":"1e-3","huge":"1.5"}`, false, false},
	{`{"id":1,"grid":[],"whole":"1000000000000000000"}`, false, false},
	{`{"id":-9223372036854775808,"grid":[]}`, true, false},
	{`{"id":9223372036854775807,"grid":[]}`, true, false},
	// Left to the map path (its error or its reading stands).
	{`{"id":1,"grid":[],"id":2}`, false, false},
	{`{"id":1,"grid":[],"x":1,"x":2}`, true, true},
	{`{"i\u0064":1,"grid":[]}`, false, false},
	{`{"ïd":1,"id":1,"grid":[]}`, false, false},
	{`{"id":9223372036854775808,"grid":[]}`, false, false},
	{`{"id":1.5,"grid":[]}`, false, false},
	{`{"id":"1","grid":[]}`, false, false},
	{`{"id":null,"grid":[]}`, false, false},
	{`{"grid":[]}`, false, false},
	{`{"id":1}`, false, false},
	{`{"id":1,"grid":[],"n32":2147483648}`, false, false},
	{`{"id":1,"grid":[],"f":1e39}`, false, false},
	{`{"id":1,"grid":[],"d":1e400}`, false, false},
	{`{"id":1,"grid":[],"amount":"1234.5"}`, false, false},
	{`{"id":1,"grid":[],"amount":1.234}`, false, false},
	{`{"id":1,"grid":[],"day":"2024-02-30"}`, false, false},
	{`{"id":1,"grid":[],"at":"yesterday"}`, false, false},
	{`{"id":1,"grid":[],"tags":["a",null]}`, false, false},
	{`{"id":1,"grid":[],"lines":[{"dims":[1]}]}`, false, false},
	{`{"id":1,"grid":[],"meta":{}}`, false, false},
	{`{"id":1,"grid":[],"meta":[]}`, false, false},
	{`{"id":1,"grid":[],"ok":1}`, false, false},
	{`{"id":1,"grid":[]} {}`, false, false},
	{`{"id":1,"grid":[]}x`, false, false},
	{`{"id":01,"grid":[]}`, false, false},
	{`{"id":1,"grid":[],}`, false, false},
	{`{"id":1,"grid":[],"s":"a\x"}`, false, false},
	{"{\"id\":1,\"grid\":[],\"s\":\"a\x01\"}", false, false},
	{`{"id":1,"grid":[],"u":[1,]}`, false, false},
	{`{"id":1,"grid":[],"u":nul}`, false, false},
	{`{"id":1,"grid":[1]}`, false, false},
	{`[1]`, false, false},
	{``, false, false},
	{`   `, false, false},
	{`null`, false, false},
	{`{"id":1,"grid":[]`, false, false},
}

// TestFastMatchesMap checks, for every seed and with and without
// keepUnknown, that build answers exactly as the map path does (row or
// error text), and that the fast path takes the records it should.
func TestFastMatchesMap(t *testing.T) {
	for _, keep := range []bool{false, true} {
		s, err := compileSchema(diffSchema, keep)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range diffRecords {
			t.Run(fmt.Sprintf("keep=%t/%s", keep, tc.record), func(t *testing.T) {
				fast := checkFastMatchesMap(t, s, []byte(tc.record))
				if fast != (tc.fast && !(keep && tc.keepSlow)) {
					t.Errorf("fast path took it: %t, want %t", fast, tc.fast)
				}
			})
		}
	}
}

// FuzzFastMatchesMap is TestFastMatchesMap over any record.
func FuzzFastMatchesMap(f *testing.F) {
	for _, tc := range diffRecords {
		f.Add([]byte(tc.record), false)
		f.Add([]byte(tc.record), true)
	}
	schemas := map[bool]*compiledSchema{}
	for _, keep := range []bool{false, true} {
		s, err := compileSchema(diffSchema, keep)
		if err != nil {
			f.Fatal(err)
		}
		schemas[keep] = s
	}
	f.Fuzz(func(t *testing.T, record []byte, keep bool) {
		checkFastMatchesMap(t, schemas[keep], record)
	})
}

// checkFastMatchesMap compares build (fast path first) with the map path
// alone on one record and reports whether the fast path took it.
func checkFastMatchesMap(t *testing.T, s *compiledSchema, record []byte) bool {
	t.Helper()
	slow := newRowBuilder(s)
	slow.fastSchema = nil
	want, wantErr := slow.build(record)
	fb := newRowBuilder(s)
	fb.reset()
	took := fb.fast(record)
	if took && wantErr != nil {
		t.Fatalf("fast path took %q, map path refuses it: %v", record, wantErr)
	}
	got, gotErr := fb.build(record)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("%q: error %v, want %v", record, gotErr, wantErr)
	case gotErr != nil:
		if gotErr.Error() != wantErr.Error() {
			t.Fatalf("%q: error %q, want %q", record, gotErr, wantErr)
		}
		return took
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d values, want %d:\n got %v\nwant %v", record, len(got), len(want), got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Column() != w.Column() || g.RepetitionLevel() != w.RepetitionLevel() ||
			g.DefinitionLevel() != w.DefinitionLevel() || g.Kind() != w.Kind() ||
			g.IsNull() != w.IsNull() || !parquet.Equal(g, w) || !bytes.Equal(g.Bytes(), w.Bytes()) {
			t.Fatalf("%q: value %d is %#v, want %#v", record, i, g, w)
		}
	}
	return took
}
