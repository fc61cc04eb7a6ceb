package main

import (
	"fmt"
	"strings"

	"github.com/sluice-io/sluice/sdk/go/jsonpath"
)

// rename moves the value at from to to.
type rename struct {
	from, to jsonpath.Path
}

// projector keeps chosen fields of a JSON object and renames fields. It
// reuses its memory: a warm projector allocates nothing per record.
type projector struct {
	keep    []jsonpath.Path // empty: keep every field
	renames []rename
	parser  jsonpath.Parser // reset for every record
	// out holds the answers since the last reset, one after the other.
	out []byte
}

// reset makes the memory of every answer apply gave reusable: call it when
// none of them is needed any more (at the start of a batch).
func (p *projector) reset() {
	p.out = p.out[:0]
}

// newProjector parses the FIELDS and RENAME parameters. When fields is not
// empty, the sources of the renames are kept as well, so FIELDS=id
// RENAME=temp:temperature gives {"id":…,"temperature":…}.
func newProjector(fields, renames string) (*projector, error) {
	p := &projector{}
	for f := range strings.SplitSeq(fields, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		fp, err := jsonpath.Parse(f)
		if err != nil {
			return nil, fmt.Errorf("FIELDS: %w", err)
		}
		p.keep = append(p.keep, fp)
	}
	for pair := range strings.SplitSeq(renames, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		from, to, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, fmt.Errorf("RENAME: %q is not old:new", pair)
		}
		fp, err := jsonpath.Parse(strings.TrimSpace(from))
		if err != nil {
			return nil, fmt.Errorf("RENAME: %w", err)
		}
		tp, err := jsonpath.Parse(strings.TrimSpace(to))
		if err != nil {
			return nil, fmt.Errorf("RENAME: %w", err)
		}
		p.renames = append(p.renames, rename{from: fp, to: tp})
		if len(p.keep) > 0 {
			p.keep = append(p.keep, fp)
		}
	}
	return p, nil
}

// apply projects and renames one record; the answer is valid until the
// next reset. Fields that are absent are
// skipped; keys come out in sorted order. Records the byte scanner handles
// (jsonpath.ParseObject) never become maps; anything else (escapes in
// strings, invalid JSON, ...) takes the encoding/json path, which gives the
// same output for everything the scanner handles and decides the rest.
func (p *projector) apply(data []byte) ([]byte, error) {
	p.parser.Reset()
	src, err := p.parser.ParseObject(data)
	if err != nil {
		return p.applyMaps(data)
	}
	out := src
	if len(p.keep) > 0 {
		out = p.parser.NewObject()
		for _, fp := range p.keep {
			if v, ok := src.Get(fp); ok {
				if err := out.Set(fp, v); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, r := range p.renames {
		v, ok := out.Get(r.from)
		if !ok {
			continue
		}
		out.Remove(r.from)
		if err := out.Set(r.to, v); err != nil {
			return nil, err
		}
	}
	start := len(p.out)
	p.out = out.AppendJSON(p.out)
	return p.out[start:len(p.out):len(p.out)], nil
}

// applyMaps is apply through encoding/json and maps.
func (p *projector) applyMaps(data []byte) ([]byte, error) {
	src, err := jsonpath.DecodeObject(data)
	if err != nil {
		return nil, err
	}
	out := src
	if len(p.keep) > 0 {
		out = map[string]any{}
		for _, fp := range p.keep {
			if v, ok := fp.Get(src); ok {
				if err := fp.Set(out, v); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, r := range p.renames {
		v, ok := r.from.Get(out)
		if !ok {
			continue
		}
		r.from.Remove(out)
		if err := r.to.Set(out, v); err != nil {
			return nil, err
		}
	}
	return jsonpath.EncodeObject(out)
}
