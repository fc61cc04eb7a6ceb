package jsonpath

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/sdk/go/jsonpath/jsontest"
)

// checkSameAsMaps compares ParseObject + AppendJSON with DecodeObject +
// EncodeObject on doc: where the scanner takes a document, the decoder
// must take it too and both must write the same bytes; where it does not,
// it must say ErrNeedsDecoder.
func checkSameAsMaps(t *testing.T, doc []byte) {
	t.Helper()
	obj, err := ParseObject(doc)
	m, mErr := DecodeObject(doc)
	if err != nil {
		if !errors.Is(err, ErrNeedsDecoder) {
			t.Fatalf("%q: ParseObject err = %v, want ErrNeedsDecoder", doc, err)
		}
		return
	}
	if mErr != nil {
		t.Fatalf("%q: ParseObject took what encoding/json refuses: %v", doc, mErr)
	}
	want, err := EncodeObject(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := obj.AppendJSON(nil); string(got) != string(want) {
		t.Fatalf("%q:\nscanner  %s\nmaps     %s", doc, got, want)
	}
}

func TestParseObjectLikeEncodingJSON(t *testing.T) {
	for _, doc := range []string{
		`{}`, ` { } `, `{"b":1,"a":2}`, `{"a":1,"a":{"x":2}}`, `{"a":{"x":2},"a":3}`,
		`{"a":[1, {"z":1,"y":[]} ,"s"],"b":{"d":{"f":1,"e":2}}}`, `{"n":-0.0e+00}`,
		`{"s":"<&>é€"}`, "{\"a\":1}\n", `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":.5}`, `{"a":1e}`,
		`{"a":"\u00e9"}`, `{"a":"x\\y"}`, "{\"a\":\"\u2028\"}", "{\"a\":\"\xff\"}", `{"a":tru}`,
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1 "b":2}`, `[{}]`, `{"a":[1,]}`, `{"a":[,1]}`,
		"\ufeff{}", `{"a":1}x`, `{"a":nul}`, `{"":1,"\u0000":2}`,
	} {
		checkSameAsMaps(t, []byte(doc))
	}
}

func TestParseObjectRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	taken := 0
	for range 20000 {
		doc := jsontest.RandomDocument(r)
		checkSameAsMaps(t, doc)
		if _, err := ParseObject(doc); err == nil {
			taken++
		}
	}
	if taken < 5000 {
		t.Errorf("the scanner took only %d of 20000 random documents", taken)
	}
}

// TestObjectPathsLikeMaps applies random Get, Set and Remove to an Object
// and to the decoded map of the same document, comparing results, errors
// and the final encoding.
func TestObjectPathsLikeMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		doc := jsontest.RandomDocument(r)
		obj, err := ParseObject(doc)
		if err != nil {
			continue
		}
		m, err := DecodeObject(doc)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			p, _ := Parse(jsontest.RandomPath(r))
			q, _ := Parse(jsontest.RandomPath(r))
			v, ok := obj.Get(p)
			mv, mok := p.Get(m)
			if ok != mok {
				t.Fatalf("%q: Get(%s) found %v, map found %v", doc, p, ok, mok)
			}
			if !ok {
				continue
			}
			// Moving an object needs its removal first (as a rename does), or
			// it could be set inside itself.
			if r.IntN(2) == 0 || v.IsObject() {
				obj.Remove(p)
				p.Remove(m)
			}
			err, mErr := obj.Set(q, v), q.Set(m, mv)
			if (err == nil) != (mErr == nil) || (err != nil && err.Error() != mErr.Error()) {
				t.Fatalf("%q: Set(%s) err %v, map err %v", doc, q, err, mErr)
			}
		}
		want, err := EncodeObject(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := obj.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("%q:\nscanner  %s\nmaps     %s", doc, got, want)
		}
	}
}

func FuzzParseObject(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		f.Add(jsontest.RandomDocument(r))
	}
	f.Fuzz(checkSameAsMaps)
}

// TestParseObjectLongStrings puts each byte the scanner must notice at
// every position of a long string, so the eight-bytes-at-a-time path meets
// it in every lane.
func TestParseObjectLongStrings(t *testing.T) {
	for _, bad := range []string{`"`, `\\`, `\"`, "\x01", "\x1f", "\x7f", "é", "\xff", "\u2028", " ", "~"} {
		for at := range 24 {
			s := strings.Repeat("a", at) + bad + strings.Repeat("b", 24-at)
			checkSameAsMaps(t, []byte(`{"k":"`+s+`","`+s+`":1}`))
		}
	}
}

// TestParserReuse parses random documents through one Parser, resetting
// it between documents, and compares each answer with a fresh
// ParseObject's.
func TestParserReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var p Parser
	for range 3000 {
		p.Reset()
		doc := jsontest.RandomDocument(r)
		want, err := ParseObject(doc)
		got, gotErr := p.ParseObject(doc)
		if (err == nil) != (gotErr == nil) {
			t.Fatalf("%q: Parser err %v, ParseObject err %v", doc, gotErr, err)
		}
		if err != nil {
			continue
		}
		path, _ := Parse(jsontest.RandomPath(r))
		to, _ := Parse(jsontest.RandomPath(r))
		for _, o := range []*Object{want, got} {
			if v, ok := o.Get(path); ok {
				o.Remove(path)
				o.Set(to, v)
			}
		}
		if g, w := got.AppendJSON(nil), want.AppendJSON(nil); string(g) != string(w) {
			t.Fatalf("%q: Parser %s, ParseObject %s", doc, g, w)
		}
	}
}
