package main

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/sdk/go/jsonpath/jsontest"
)

// randomProjector returns a projector with random FIELDS and RENAME made of
// the keys random documents use.
func randomProjector(t testing.TB, r *rand.Rand) (*projector, string, string) {
	var fields, renames []string
	for range r.IntN(4) {
		fields = append(fields, jsontest.RandomPath(r))
	}
	for range r.IntN(3) {
		renames = append(renames, jsontest.RandomPath(r)+":"+jsontest.RandomPath(r))
	}
	f, rn := strings.Join(fields, ","), strings.Join(renames, ",")
	p, err := newProjector(f, rn)
	if err != nil {
		t.Fatalf("FIELDS=%q RENAME=%q: %v", f, rn, err)
	}
	return p, f, rn
}

// checkSameAsMaps fails t unless p answers doc exactly as the encoding/json
// path does: the same bytes, or the same error text.
func checkSameAsMaps(t testing.TB, p *projector, doc []byte, params string) {
	t.Helper()
	got, err := p.apply(doc)
	want, wantErr := p.applyMaps(doc)
	switch {
	case (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()):
		t.Fatalf("%s %q: err %v, encoding/json err %v", params, doc, err, wantErr)
	case string(got) != string(want):
		t.Fatalf("%s %q:\ngot            %s\nencoding/json  %s", params, doc, got, want)
	}
}

// TestApplyLikeEncodingJSON compares the byte-scanning path with the
// encoding/json path on random records (escapes, invalid UTF-8, duplicate
// keys, whitespace, numbers, nesting, damaged JSON) under random
// parameters.
func TestApplyLikeEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 3000 {
		p, f, rn := randomProjector(t, r)
		params := "FIELDS=" + f + " RENAME=" + rn
		for range 5 {
			checkSameAsMaps(t, p, jsontest.RandomDocument(r), params)
		}
	}
}

// TestAnswersLastUntilReset: the answers of one batch share the
// projector's buffer, so each must stay as it was while later records are
// projected, until reset.
func TestAnswersLastUntilReset(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	p, _, _ := randomProjector(t, r)
	for range 20 {
		p.reset()
		var docs, answers [][]byte
		for range 50 {
			doc := jsontest.RandomDocument(r)
			if out, err := p.apply(doc); err == nil {
				docs, answers = append(docs, doc), append(answers, out)
			}
		}
		for i, doc := range docs {
			want, err := p.applyMaps(doc)
			if err != nil || string(answers[i]) != string(want) {
				t.Fatalf("%q: answer became %s, want %s (%v)", doc, answers[i], want, err)
			}
		}
	}
}

func FuzzApply(f *testing.F) {
	r := rand.New(rand.NewPCG(13, 14))
	for range 30 {
		f.Add(jsontest.RandomDocument(r), r.Uint64())
	}
	f.Fuzz(func(t *testing.T, doc []byte, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 0))
		p, fields, rn := randomProjector(t, r)
		checkSameAsMaps(t, p, doc, "FIELDS="+fields+" RENAME="+rn)
	})
}
