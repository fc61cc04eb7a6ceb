package format

// Output formats.
const (
	JSONLines = "json"
	Parquet   = "parquet"
)

// Compression codecs. For JSON lines the whole object is compressed; for
// Parquet the codec applies to the column chunks inside the file.
const (
	None   = "none"
	Gzip   = "gzip"
	Snappy = "snappy"
	Zstd   = "zstd"
)

// Spec says how a batch of records becomes an object.
type Spec struct {
	// Type is JSONLines (default: records as they are, one per line) or
	// Parquet (JSON records converted to rows by Schema).
	Type string `json:"type,omitempty"`
	// Compression is None (default for JSON lines), Gzip, Snappy or Zstd
	// (Parquet's default is Snappy, as Firehose's).
	Compression string `json:"compression,omitempty"`
	// Schema declares the Parquet columns; required for Parquet.
	Schema []Field `json:"schema,omitempty"`
	// KeepUnknown, for Parquet, collects the JSON fields the schema lacks
	// into a string column "_extra" (a JSON object) instead of dropping them.
	KeepUnknown bool `json:"keepUnknown,omitempty"`
}

// Field types.
const (
	TypeString      = "string"
	TypeInt32       = "int32"
	TypeInt64       = "int64"
	TypeFloat       = "float"
	TypeDouble      = "double"
	TypeBoolean     = "boolean"
	TypeTimestampMS = "timestamp_ms" // JSON: RFC 3339 string or epoch milliseconds
	TypeTimestampUS = "timestamp_us" // JSON: RFC 3339 string or epoch microseconds
	TypeDate        = "date"         // JSON: "2006-01-02"
	TypeDecimal     = "decimal"      // JSON: number or numeric string; Precision, Scale
	TypeList        = "list"         // JSON array; Items
	TypeStruct      = "struct"       // JSON object; Fields
)

// Field is one column (or nested field) of a Parquet schema.
type Field struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	// Precision and Scale, for decimal (precision 1..38).
	Precision int `json:"precision,omitempty"`
	Scale     int `json:"scale,omitempty"`
	// Items is the element of a list.
	Items *Field `json:"items,omitempty"`
	// Fields are the members of a struct.
	Fields []Field `json:"fields,omitempty"`
}
