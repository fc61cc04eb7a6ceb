package format

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// ExtraColumn is the column that collects, with Spec.KeepUnknown, the
// top-level JSON fields the schema lacks, as one JSON object.
const ExtraColumn = "_extra"

// maxDecimalPrecision is the largest decimal precision a schema may declare
// (as Hive, Spark and Arrow's Decimal128).
const maxDecimalPrecision = 38

// column is one compiled schema field: what the converter needs to turn a
// JSON value into column values.
type column struct {
	name     string
	path     string // dotted, "[]" for list elements: "items[].sku"
	typ      string
	required bool

	items  *column   // list
	fields []*column // struct

	// first and end delimit the leaf columns under this field.
	first, end int
	// repLevel is, for a list, the repetition level of its elements.
	repLevel int

	scale, precision, size int // decimal
}

// compiledSchema is a validated schema: the converter's tree and the
// parquet-go schema written into the file.
type compiledSchema struct {
	root    []*column
	extra   int // leaf column of ExtraColumn, -1 without KeepUnknown
	known   map[string]bool
	columns int
	parquet *parquet.Schema
}

func compileSchema(fields []Field, keepUnknown bool) (*compiledSchema, error) {
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: parquet needs a schema with at least one field", ErrInvalidSpec)
	}
	c := &schemaCompiler{}
	root, nodes, err := c.fields(fields, "", 0)
	if err != nil {
		return nil, err
	}
	s := &compiledSchema{root: root, extra: -1, known: make(map[string]bool, len(root))}
	for _, f := range root {
		s.known[f.name] = true
	}
	if keepUnknown {
		if s.known[ExtraColumn] {
			return nil, fmt.Errorf("%w: field %q is reserved for unknown fields (keepUnknown)", ErrInvalidSpec, ExtraColumn)
		}
		s.extra = c.next
		c.next++
		nodes = append(nodes, namedNode{parquet.Optional(parquet.String()), ExtraColumn})
	}
	s.columns = c.next
	s.parquet = parquet.NewSchema("sluice", &orderedGroup{fields: nodes})
	return s, nil
}

type schemaCompiler struct{ next int }

func (c *schemaCompiler) fields(fields []Field, prefix string, rep int) ([]*column, []parquet.Field, error) {
	cols := make([]*column, 0, len(fields))
	nodes := make([]parquet.Field, 0, len(fields))
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if f.Name == "" {
			where := "top level"
			if prefix != "" {
				where = fmt.Sprintf("struct %q", prefix)
			}
			return nil, nil, fmt.Errorf("%w: a field in the %s has no name", ErrInvalidSpec, where)
		}
		if strings.ContainsAny(f.Name, ".[]") {
			return nil, nil, fmt.Errorf("%w: field %q: a name may not contain '.', '[' or ']'", ErrInvalidSpec, join(prefix, f.Name))
		}
		if seen[f.Name] {
			return nil, nil, fmt.Errorf("%w: field %q is declared twice", ErrInvalidSpec, join(prefix, f.Name))
		}
		seen[f.Name] = true
		col, node, err := c.field(f, join(prefix, f.Name), rep)
		if err != nil {
			return nil, nil, err
		}
		cols = append(cols, col)
		nodes = append(nodes, namedNode{node, f.Name})
	}
	return cols, nodes, nil
}

// field compiles one field; path names it in errors, rep is the number of
// lists around it.
func (c *schemaCompiler) field(f Field, path string, rep int) (*column, parquet.Node, error) {
	col := &column{name: f.Name, path: path, typ: f.Type, required: f.Required, first: c.next}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: field %q: %s", ErrInvalidSpec, path, fmt.Sprintf(format, args...))
	}
	if f.Type != TypeDecimal && (f.Precision != 0 || f.Scale != 0) {
		return nil, nil, bad("precision and scale are only for decimal, not %s", f.Type)
	}
	if f.Type != TypeList && f.Items != nil {
		return nil, nil, bad("items are only for list, not %s", f.Type)
	}
	if f.Type != TypeStruct && len(f.Fields) > 0 {
		return nil, nil, bad("fields are only for struct, not %s", f.Type)
	}
	var node parquet.Node
	switch f.Type {
	case TypeString:
		node = parquet.String()
	case TypeInt32:
		node = parquet.Leaf(parquet.Int32Type)
	case TypeInt64:
		node = parquet.Leaf(parquet.Int64Type)
	case TypeFloat:
		node = parquet.Leaf(parquet.FloatType)
	case TypeDouble:
		node = parquet.Leaf(parquet.DoubleType)
	case TypeBoolean:
		node = parquet.Leaf(parquet.BooleanType)
	case TypeTimestampMS:
		node = parquet.Timestamp(parquet.Millisecond)
	case TypeTimestampUS:
		node = parquet.Timestamp(parquet.Microsecond)
	case TypeDate:
		node = parquet.Date()
	case TypeDecimal:
		if f.Precision < 1 || f.Precision > maxDecimalPrecision {
			return nil, nil, bad("decimal precision must be 1..%d, got %d", maxDecimalPrecision, f.Precision)
		}
		if f.Scale < 0 || f.Scale > f.Precision {
			return nil, nil, bad("decimal scale must be 0..precision (%d), got %d", f.Precision, f.Scale)
		}
		col.precision, col.scale, col.size = f.Precision, f.Scale, decimalBytes(f.Precision)
		// FIXED_LEN_BYTE_ARRAY for every precision: the representation Hive,
		// Spark and Arrow all read.
		node = parquet.Decimal(f.Scale, f.Precision, parquet.FixedLenByteArrayType(col.size))
	case TypeList:
		if f.Items == nil {
			return nil, nil, bad("list needs items")
		}
		if f.Items.Name != "" {
			return nil, nil, bad("list items have no name, got %q", f.Items.Name)
		}
		col.repLevel = rep + 1
		items, elem, err := c.field(*f.Items, path+"[]", rep+1)
		if err != nil {
			return nil, nil, err
		}
		items.name = "element"
		col.items = items
		if !items.required {
			elem = parquet.Optional(elem)
		}
		node = parquet.List(elem)
		col.end = c.next
		return col, optional(node, f.Required), nil
	case TypeStruct:
		if len(f.Fields) == 0 {
			return nil, nil, bad("struct needs fields")
		}
		fields, nodes, err := c.fields(f.Fields, path, rep)
		if err != nil {
			return nil, nil, err
		}
		col.fields = fields
		col.end = c.next
		return col, optional(&orderedGroup{fields: nodes}, f.Required), nil
	case "":
		return nil, nil, bad("no type")
	default:
		return nil, nil, bad("unknown type %q (want one of %s)", f.Type, strings.Join(fieldTypes, ", "))
	}
	c.next++
	col.end = c.next
	return col, optional(node, f.Required), nil
}

var fieldTypes = []string{
	TypeString, TypeInt32, TypeInt64, TypeFloat, TypeDouble, TypeBoolean,
	TypeTimestampMS, TypeTimestampUS, TypeDate, TypeDecimal, TypeList, TypeStruct,
}

func optional(n parquet.Node, required bool) parquet.Node {
	if required {
		return n
	}
	return parquet.Optional(n)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// orderedGroup is a Parquet group whose fields keep the order the schema
// declares them in; parquet.Group sorts them by name.
type orderedGroup struct{ fields []parquet.Field }

func (g *orderedGroup) ID() int                     { return 0 }
func (g *orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Fields() []parquet.Field     { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }

// GoType is the struct type parquet-go would map the group to; Sluice
// writes rows, not Go values, so only parquet-go's reflection paths use it.
func (g *orderedGroup) GoType() reflect.Type {
	group := make(parquet.Group, len(g.fields))
	for _, f := range g.fields {
		group[f.Name()] = f
	}
	return group.GoType()
}

func (g *orderedGroup) String() string {
	var b strings.Builder
	_ = parquet.PrintSchema(&b, "group", g)
	return b.String()
}

// namedNode is a field of an orderedGroup.
type namedNode struct {
	parquet.Node
	name string
}

func (n namedNode) Name() string { return n.name }

// Value is not used: rows are built column by column, never from Go values.
func (n namedNode) Value(reflect.Value) reflect.Value { return reflect.Value{} }
