package format

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// The fast path shreds a record straight from its bytes into the schema's
// columns, with no map[string]any, no json.Number and no string per value.
// It handles only records that the map path (convert.go) converts without
// error and whose meaning it can read exactly: anything else (an error of
// any kind, a duplicate key, a key with escapes or non-ASCII bytes, deep
// nesting) makes it give up, and build runs the map path, whose answer and
// error text stand. So the map path stays the one definition of the
// conversion; the fast path is an optimisation of its successes, checked
// against it by FuzzFastMatchesMap.

// maxFastDepth is the nesting the fast path follows before it leaves the
// record to the map path (encoding/json's own limit is 10,000).
const maxFastDepth = 256

// fastNode is a column with what the fast path needs to find fields by name
// and to tell which fields an object had.
type fastNode struct {
	col    *column
	id     int                  // index into fastParser.seen
	byName map[string]*fastNode // struct (and the root): fields by name
	fields []*fastNode          // struct (and the root), in schema order
	items  *fastNode            // list
}

// fastSchema is the root of the fast path's tree.
type fastSchema struct {
	root  *fastNode
	nodes int
}

func newFastSchema(s *compiledSchema) *fastSchema {
	fs := &fastSchema{}
	fs.root = fs.group(nil, s.root)
	return fs
}

func (fs *fastSchema) group(c *column, cols []*column) *fastNode {
	n := &fastNode{col: c, id: fs.nodes, byName: make(map[string]*fastNode, len(cols))}
	fs.nodes++
	for _, f := range cols {
		fn := fs.node(f)
		n.fields = append(n.fields, fn)
		n.byName[f.name] = fn
	}
	return n
}

func (fs *fastSchema) node(c *column) *fastNode {
	switch c.typ {
	case TypeStruct:
		return fs.group(c, c.fields)
	case TypeList:
		n := &fastNode{col: c, id: fs.nodes}
		fs.nodes++
		n.items = fs.node(c.items)
		return n
	}
	n := &fastNode{col: c, id: fs.nodes}
	fs.nodes++
	return n
}

// span is an unknown top-level field kept for ExtraColumn: its key and the
// bytes of its value.
type span struct{ key, value []byte }

// fastParser is the fast path's reusable state.
type fastParser struct {
	data    []byte
	pos     int
	depth   int
	gen     uint64
	seen    []uint64 // per node: the gen of the object that had it
	arena   []byte   // decoded strings of this row
	unknown []span
}

// fast shreds record into b.columns, or reports false (leaving b.columns
// in any state) when the map path must decide.
func (b *rowBuilder) fast(record []byte) bool {
	p := &b.fp
	if len(p.seen) != b.fastSchema.nodes {
		p.seen = make([]uint64, b.fastSchema.nodes)
	}
	p.data, p.pos, p.depth = record, 0, 0
	p.arena = p.arena[:0]
	p.unknown = p.unknown[:0]
	p.ws()
	if !p.eat('{') {
		return false
	}
	if !b.object(b.fastSchema.root, 0, 0, true) {
		return false
	}
	p.ws()
	if p.pos != len(p.data) {
		return false
	}
	if b.schema.extra >= 0 {
		return b.fastExtra()
	}
	return true
}

// object reads the members of an object whose '{' is consumed, for the
// fields of n, at repetition level r under definition level d.
func (b *rowBuilder) object(n *fastNode, r, d int, top bool) bool {
	p := &b.fp
	if p.depth++; p.depth > maxFastDepth {
		return false
	}
	p.gen++
	gen := p.gen
	p.ws()
	if !p.eat('}') {
		for {
			p.ws()
			key, ok := p.key()
			if !ok {
				return false
			}
			p.ws()
			if !p.eat(':') {
				return false
			}
			p.ws()
			if f := n.byName[string(key)]; f != nil {
				if p.seen[f.id] == gen {
					return false // a duplicate: the map path keeps the last
				}
				p.seen[f.id] = gen
				if !b.fastValue(f, r, d) {
					return false
				}
			} else {
				start := p.pos
				if !p.skip() {
					return false
				}
				if top && b.schema.extra >= 0 {
					p.unknown = append(p.unknown, span{key, p.data[start:p.pos]})
				}
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return false
		}
	}
	for _, f := range n.fields {
		if p.seen[f.id] != gen {
			if f.col.required {
				return false
			}
			b.nulls(f.col, r, d)
		}
	}
	p.depth--
	return true
}

// fastValue reads the value of n at the current position.
func (b *rowBuilder) fastValue(n *fastNode, r, d int) bool {
	p := &b.fp
	c := n.col
	if p.pos >= len(p.data) {
		return false
	}
	if p.data[p.pos] == 'n' {
		if !p.literal("null") || c.required {
			return false
		}
		b.nulls(c, r, d)
		return true
	}
	if !c.required {
		d++
	}
	switch c.typ {
	case TypeStruct:
		return p.eat('{') && b.object(n, r, d, false)
	case TypeList:
		if !p.eat('[') {
			return false
		}
		if p.depth++; p.depth > maxFastDepth {
			return false
		}
		p.ws()
		if p.eat(']') {
			b.nulls(c.items, r, d)
			p.depth--
			return true
		}
		for i := 0; ; i++ {
			ri := r
			if i > 0 {
				ri = c.repLevel
			}
			p.ws()
			if !b.fastValue(n.items, ri, d+1) {
				return false
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				break
			}
			return false
		}
		p.depth--
		return true
	}
	v, ok := b.fastLeaf(c)
	if !ok {
		return false
	}
	b.columns[c.first] = append(b.columns[c.first], v.Level(r, d, c.first))
	return true
}

// fastLeaf reads a scalar and converts it as convertLeaf converts it.
func (b *rowBuilder) fastLeaf(c *column) (parquet.Value, bool) {
	p := &b.fp
	switch p.data[p.pos] {
	case '"':
		s, ok := p.str()
		if !ok {
			return parquet.Value{}, false
		}
		return p.leafString(c, s)
	case 't', 'f':
		t := p.data[p.pos] == 't'
		word := "false"
		if t {
			word = "true"
		}
		if !p.literal(word) || c.typ != TypeBoolean {
			return parquet.Value{}, false
		}
		return parquet.BooleanValue(t), true
	}
	text, ok := p.number()
	if !ok {
		return parquet.Value{}, false
	}
	return p.leafNumber(c, text)
}

// leafString converts a JSON string's decoded bytes (which live until the
// row is reused) for c.
func (p *fastParser) leafString(c *column, s []byte) (parquet.Value, bool) {
	switch c.typ {
	case TypeString:
		return parquet.ByteArrayValue(s), true
	case TypeDate:
		t, err := time.Parse(time.DateOnly, string(s))
		if err != nil {
			return parquet.Value{}, false
		}
		return parquet.Int32Value(int32(t.Unix() / 86400)), true
	case TypeTimestampMS, TypeTimestampUS:
		t, err := time.Parse(time.RFC3339Nano, string(s))
		if err != nil {
			return parquet.Value{}, false
		}
		if c.typ == TypeTimestampMS {
			return parquet.Int64Value(t.UnixMilli()), true
		}
		return parquet.Int64Value(t.UnixMicro()), true
	case TypeDecimal:
		return p.leafDecimal(c, string(s))
	}
	return parquet.Value{}, false
}

// leafNumber converts a JSON number's text for c.
func (p *fastParser) leafNumber(c *column, text []byte) (parquet.Value, bool) {
	switch c.typ {
	case TypeInt32:
		i, ok := fastInteger(text, math.MinInt32, math.MaxInt32)
		return parquet.Int32Value(int32(i)), ok
	case TypeInt64, TypeTimestampMS, TypeTimestampUS:
		i, ok := fastInteger(text, math.MinInt64, math.MaxInt64)
		return parquet.Int64Value(i), ok
	case TypeFloat:
		f, err := strconv.ParseFloat(string(text), 32)
		return parquet.FloatValue(float32(f)), err == nil
	case TypeDouble:
		f, err := strconv.ParseFloat(string(text), 64)
		return parquet.DoubleValue(f), err == nil
	case TypeDecimal:
		return p.leafDecimal(c, string(text))
	}
	return parquet.Value{}, false
}

// leafDecimal is convertLeaf's decimal conversion, in int64 arithmetic
// when the scaled number has at most 18 digits.
func (p *fastParser) leafDecimal(c *column, text string) (parquet.Value, bool) {
	d, ok := parseExactDecimal(text)
	if !ok {
		return parquet.Value{}, false
	}
	from := len(p.arena)
	if n, ok := d.scaledSmall(c.scale, c.precision); ok {
		p.arena = appendTwosComplement(p.arena, n, c.size)
	} else {
		unscaled, reason := d.scaled(c.scale, c.precision)
		if reason != "" {
			return parquet.Value{}, false
		}
		p.arena = append(p.arena, twosComplement(unscaled, c.size)...)
	}
	return parquet.FixedLenByteArrayValue(p.arena[from:len(p.arena):len(p.arena)]), true
}

// scaledSmall is scaled for a result of at most 18 digits, as an int64;
// false leaves every other case (and every refusal) to scaled.
func (d exactDecimal) scaledSmall(scale, maxDigits int) (int64, bool) {
	if d.coef == "" {
		return 0, true
	}
	coef := d.coef
	shift := d.exp + scale
	if shift < 0 {
		cut := -shift
		if cut >= len(coef) {
			return 0, false
		}
		for k := len(coef) - cut; k < len(coef); k++ {
			if coef[k] != '0' {
				return 0, false
			}
		}
		coef = coef[:len(coef)-cut]
		shift = 0
	}
	if len(coef)+shift > maxDigits || len(coef)+shift > 18 {
		return 0, false
	}
	var n int64
	for k := 0; k < len(coef); k++ {
		n = n*10 + int64(coef[k]-'0')
	}
	for ; shift > 0; shift-- {
		n *= 10
	}
	if d.neg {
		n = -n
	}
	return n, true
}

// appendTwosComplement appends n big-endian in two's complement in size
// bytes, as twosComplement writes it; n must fit.
func appendTwosComplement(dst []byte, n int64, size int) []byte {
	for k := size - 1; k >= 0; k-- {
		if k >= 8 {
			dst = append(dst, byte(n>>63))
			continue
		}
		dst = append(dst, byte(n>>(8*k)))
	}
	return dst
}

// fastInteger is integer for JSON number text, without a string for the
// plain decimal digits most integers are.
func fastInteger(text []byte, lo, hi int64) (int64, bool) {
	neg := len(text) > 0 && text[0] == '-'
	digits := text
	if neg {
		digits = text[1:]
	}
	if len(digits) > 0 && len(digits) <= 18 {
		var n int64
		plain := true
		for _, ch := range digits {
			if ch < '0' || ch > '9' {
				plain = false
				break
			}
			n = n*10 + int64(ch-'0')
		}
		if plain {
			if neg {
				n = -n
			}
			return n, n >= lo && n <= hi
		}
	}
	i, reason := integer(string(text), lo, hi)
	return i, reason == ""
}

// fastExtra fills ExtraColumn from the unknown top-level fields exactly as
// extra does: the values decoded as the map path decodes them and encoded
// again as one object.
func (b *rowBuilder) fastExtra() bool {
	p := &b.fp
	col := b.schema.extra
	if len(p.unknown) == 0 {
		b.columns[col] = append(b.columns[col], parquet.Value{}.Level(0, 0, col))
		return true
	}
	unknown := make(map[string]any, len(p.unknown))
	for _, u := range p.unknown {
		if _, dup := unknown[string(u.key)]; dup {
			return false
		}
		dec := json.NewDecoder(bytes.NewReader(u.value))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return false
		}
		unknown[string(u.key)] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(unknown); err != nil {
		return false
	}
	text := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	b.columns[col] = append(b.columns[col], parquet.ByteArrayValue(text).Level(0, 1, col))
	return true
}
