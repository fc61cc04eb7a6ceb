package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestLimitTableIsWhatValidationChecks sets each settable limit of the
// table to its minimum and maximum, which a definition must pass, and just
// past them, which it must fail with a message naming the field: the table
// (and so the README) and validation cannot disagree. A limit without a
// case here fails the test.
func TestLimitTableIsWhatValidationChecks(t *testing.T) {
	e := newEnv(t)
	e.push("upper", "runtime/testdata/c_upper.wasm")
	dir := t.TempDir()
	withProc := func(set func(p *Processor, v float64)) func(*Definition, float64) {
		return func(d *Definition, v float64) {
			d.Processor = &Processor{Module: "upper"}
			set(d.Processor, v)
		}
	}
	cases := map[string]struct {
		set  func(d *Definition, v float64)
		step float64
	}{
		"delivery stream name": {func(d *Definition, v float64) { d.Name = strings.Repeat("n", int(v)) }, 1},
		"buffering size":       {func(d *Definition, v float64) { d.Buffering.SizeMiB = int(v) }, 1},
		"buffering size for an HTTP destination": {func(d *Definition, v float64) {
			*d = httpDef(d.Name, "http://127.0.0.1:1/", dir)
			d.Buffering.SizeMiB = int(v)
		}, 1},
		"buffering interval":      {func(d *Definition, v float64) { d.Buffering.IntervalSeconds = intp(int(v)) }, 1},
		"processor retries":       {withProc(func(p *Processor, v float64) { p.Retries = intp(int(v)) }), 1},
		"processor batch size":    {withProc(func(p *Processor, v float64) { p.BatchMiB = v }), 0.1},
		"processor batch records": {withProc(func(p *Processor, v float64) { p.BatchRecords = int(v) }), 1},
		"processor timeout":       {withProc(func(p *Processor, v float64) { p.TimeoutSeconds = int(v) }), 1},
		"processor memory":        {withProc(func(p *Processor, v float64) { p.MemoryMiB = int(v) }), 1},
		"HTTP retry duration": {func(d *Definition, v float64) {
			*d = httpDef(d.Name, "http://127.0.0.1:1/", dir)
			d.Destination.HTTP.RetrySeconds = intp(int(v))
		}, 1},
		"throttling retry duration": {func(d *Definition, v float64) {
			*d = kinesisDef(d.Name, "http://127.0.0.1:1/", "home", dir)
			d.Destination.Kinesis.RetrySeconds = intp(int(v))
		}, 1},
	}
	zeroIsAValue := map[string]bool{"buffering interval": true, "processor retries": true, "HTTP retry duration": true, "throttling retry duration": true}
	ctx := context.Background()
	validate := func(d Definition) error {
		if err := normalize(&d); err != nil {
			return err
		}
		_, err := e.m.check(ctx, &d)
		return err
	}
	for _, l := range e.m.Limits() {
		if l.Fixed() || tagLimit(l) {
			continue // tags are not part of a definition: TestTagLimitTable
		}
		t.Run(l.What, func(t *testing.T) {
			c, ok := cases[l.What]
			if !ok {
				t.Fatalf("the limit %q (%s) has no case in this test", l.What, l.Field)
			}
			for _, v := range []float64{l.Min, l.Max} {
				d := folderDef("d", dir)
				c.set(&d, v)
				if v == 0 && !zeroIsAValue[l.What] {
					continue // 0 means the default
				}
				if err := validate(d); err != nil {
					t.Errorf("%s = %v (in range) refused: %v", l.Field, v, err)
				}
			}
			for _, v := range []float64{l.Min - c.step, l.Max + c.step} {
				if v <= 0 && !zeroIsAValue[l.What] {
					continue // 0 means the default; negative is refused by the type's own rule
				}
				d := folderDef("d", dir)
				c.set(&d, v)
				err := validate(d)
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("%s = %v (out of range): %v, want ErrInvalid", l.Field, v, err)
					continue
				}
				if l.What != "delivery stream name" && (!strings.Contains(err.Error(), l.What) || !strings.Contains(err.Error(), l.Field)) {
					t.Errorf("message %q does not name %q and %s", err, l.What, l.Field)
				}
			}
		})
	}
}

// tagLimit reports whether l bounds a delivery stream's tags.
func tagLimit(l Limit) bool { return l == limitTags || l == limitTagKey || l == limitTagValue }

// TestTagLimitTable checks the table's tag limits against checkTags (what
// CreateTagged and Tag enforce): at the bounds passes, past them fails.
func TestTagLimitTable(t *testing.T) {
	n := 0
	for _, l := range LimitTable(0) {
		if tagLimit(l) {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d tag limits in the table, want 3", n)
	}
	// count tags with distinct keys of keyLen digits (at least 2).
	tags := func(count, keyLen, valueLen int) []Tag {
		out := make([]Tag, count)
		for i := range out {
			out[i] = Tag{Key: fmt.Sprintf("%0*d", keyLen, i), Value: strings.Repeat("v", valueLen)}
		}
		return out
	}
	count, key, value := int(limitTags.Max), int(limitTagKey.Max), int(limitTagValue.Max)
	if err := checkTags(tags(count, key, value)); err != nil {
		t.Errorf("%d tags, keys of %d, values of %d (at the limits): %v", count, key, value, err)
	}
	if err := checkTags([]Tag{{Key: strings.Repeat("k", int(limitTagKey.Min)), Value: strings.Repeat("v", int(limitTagValue.Min))}}); err != nil {
		t.Errorf("a key of %v and a value of %v (at the limits): %v", limitTagKey.Min, limitTagValue.Min, err)
	}
	for what, bad := range map[string][]Tag{
		"tags":      tags(count+1, 3, 1),
		"key":       tags(1, key+1, 1),
		"empty key": {{Key: "", Value: "v"}},
		"value":     tags(1, 3, value+1),
	} {
		if err := checkTags(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s past its limit: %v, want ErrInvalid", what, err)
		}
	}
}

// TestPutLimits checks the table's put limits against CheckPut.
func TestPutLimits(t *testing.T) {
	for _, tc := range []struct {
		lim  Limit
		recs func(n int) [][]byte
	}{
		{limitPutRecords, func(n int) [][]byte { return make([][]byte, n) }},
		{limitRecordBytes, func(n int) [][]byte { return [][]byte{make([]byte, n)} }},
		{limitPutBytes, func(n int) [][]byte {
			var out [][]byte
			for ; n > 0; n -= MaxRecordBytes {
				out = append(out, make([]byte, min(n, MaxRecordBytes)))
			}
			return out
		}},
	} {
		unit := map[string]int{"records": 1, "KiB": 1 << 10, "MiB": mib}[tc.lim.Unit]
		max := int(tc.lim.Max) * unit
		if err := CheckPut(tc.recs(max)); err != nil {
			t.Errorf("%s at %d: %v", tc.lim.What, max, err)
		}
		if err := CheckPut(tc.recs(max + 1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s at %d: %v, want ErrInvalid", tc.lim.What, max+1, err)
		}
	}
}
