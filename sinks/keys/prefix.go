package keys

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Defaults and limits.
const (
	// DefaultPrefix is the data prefix used when none is configured.
	DefaultPrefix = "!{timestamp:yyyy/MM/dd/HH}/"
	// DefaultErrorPrefix is the error prefix used when none is configured.
	DefaultErrorPrefix = "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
	// MaxPrefixLen is the longest rendered prefix, in bytes (AWS's limit).
	MaxPrefixLen = 512
	// RandomLen is the length of !{firehose:random-string}, as AWS's.
	RandomLen = 11

	appendedTime      = "!{timestamp:yyyy/MM/dd/HH}/"
	appendedErrorPath = "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
)

// Error output types, the values of !{firehose:error-output-type}.
const (
	ProcessingFailed       = "processing-failed"
	FormatConversionFailed = "format-conversion-failed"
	HTTPEndpointFailed     = "http-endpoint-failed"
	// DecompressionFailed is for records the Decompression processor could
	// not decompress (Firehose's prefix for them).
	DecompressionFailed = "decompression-failed"
	// PartitioningFailed is for records whose partition keys could not be
	// found, or made a prefix no object can have, or would open more
	// active partitions than a batch may have (Firehose's dynamic
	// partitioning errors).
	PartitioningFailed = "partitioning-failed"
	// DeliveryFailed is for records the destination refused for good (the
	// store said retrying cannot help), Sluice's own type.
	DeliveryFailed = "delivery-failed"
	// SourceGap records source records that were gone before they could be
	// delivered (aged out of retention, their stream deleted): the data is
	// gone, so the record says which sequences and how many. Sluice's own
	// type.
	SourceGap = "source-gap"
)

// Errors of this package.
var (
	// ErrBadPrefix: the prefix expression does not parse or breaks a rule.
	ErrBadPrefix = errors.New("bad prefix")
	// ErrMissingValue: Render lacks a value the prefix needs (a partition
	// key, the error type, the random string).
	ErrMissingValue = errors.New("missing value for prefix")
	// ErrBadKey: a rendered key or an object name would not be a safe key.
	ErrBadKey = errors.New("bad object key")
)

// Values are what a prefix's expressions evaluate to for one object.
type Values struct {
	// Time is the arrival time of the oldest record in the object; it is
	// rendered in UTC.
	Time time.Time
	// QueryKeys answer !{partitionKeyFromQuery:KEY}.
	QueryKeys map[string]string
	// LambdaKeys answer !{partitionKeyFromLambda:KEY} (the transform's
	// metadata.partitionKeys).
	LambdaKeys map[string]string
	// ErrorType answers !{firehose:error-output-type}.
	ErrorType string
	// Random answers !{firehose:random-string}; see RandomFrom for one that
	// stays the same when a batch is replayed.
	Random string
}

type segKind int

const (
	segLiteral segKind = iota
	segTime
	segRandom
	segErrorType
	segQueryKey
	segLambdaKey
)

type segment struct {
	kind   segKind
	text   string // literal text, or the partition key's name
	layout timeLayout
}

// Prefix is a parsed key prefix. It is immutable and safe for concurrent use.
type Prefix struct {
	expr    string
	isError bool
	segs    []segment
}

// ParsePrefix parses a data prefix (Destination.Prefix or a backup
// prefix); "" means DefaultPrefix. See the package documentation for the
// rules.
func ParsePrefix(expr string) (*Prefix, error) {
	if expr == "" {
		expr = DefaultPrefix
	}
	p, err := parse(expr, false)
	if err != nil {
		return nil, err
	}
	if !p.has(segTime) && !p.has(segQueryKey) && !p.has(segLambdaKey) {
		if p, err = parse(expr+appendedTime, false); err != nil {
			return nil, err
		}
	}
	return p, p.check()
}

// ParseErrorPrefix parses an error prefix (Destination.ErrorPrefix); ""
// means DefaultErrorPrefix.
func ParseErrorPrefix(expr string) (*Prefix, error) {
	if expr == "" {
		expr = DefaultErrorPrefix
	}
	p, err := parse(expr, true)
	if err != nil {
		return nil, err
	}
	if len(p.segs) == 1 && p.segs[0].kind == segLiteral {
		if p, err = parse(expr+appendedErrorPath, true); err != nil {
			return nil, err
		}
	}
	if !p.has(segErrorType) {
		return nil, fmt.Errorf("%w: error prefix %q uses expressions but not !{firehose:error-output-type}", ErrBadPrefix, expr)
	}
	return p, p.check()
}

func parse(expr string, isError bool) (*Prefix, error) {
	p := &Prefix{expr: expr, isError: isError}
	rest := expr
	for rest != "" {
		i := strings.Index(rest, "!{")
		if i < 0 {
			p.segs = append(p.segs, segment{kind: segLiteral, text: rest})
			break
		}
		if i > 0 {
			p.segs = append(p.segs, segment{kind: segLiteral, text: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%w: %q: unterminated !{ expression", ErrBadPrefix, expr)
		}
		seg, err := parseExpr(rest[i+2:i+end], isError)
		if err != nil {
			return nil, fmt.Errorf("%w (in %q)", err, expr)
		}
		p.segs = append(p.segs, seg)
		rest = rest[i+end+1:]
	}
	return p, nil
}

func parseExpr(body string, isError bool) (segment, error) {
	ns, val, ok := strings.Cut(body, ":")
	if !ok || val == "" {
		return segment{}, fmt.Errorf("%w: expression !{%s} is not !{namespace:value}", ErrBadPrefix, body)
	}
	switch ns {
	case "timestamp":
		l, err := parseTimestamp(val)
		return segment{kind: segTime, layout: l}, err
	case "firehose":
		switch val {
		case "random-string":
			return segment{kind: segRandom}, nil
		case "error-output-type":
			if !isError {
				return segment{}, fmt.Errorf("%w: !{firehose:error-output-type} is allowed only in an error prefix", ErrBadPrefix)
			}
			return segment{kind: segErrorType}, nil
		}
		return segment{}, fmt.Errorf("%w: unknown !{firehose:%s} (want random-string or error-output-type)", ErrBadPrefix, val)
	case "partitionKeyFromQuery", "partitionKeyFromLambda":
		if isError {
			return segment{}, fmt.Errorf("%w: !{%s:%s} is not allowed in an error prefix (failed records have no partition keys)", ErrBadPrefix, ns, val)
		}
		kind := segQueryKey
		if ns == "partitionKeyFromLambda" {
			kind = segLambdaKey
		}
		return segment{kind: kind, text: val}, nil
	}
	return segment{}, fmt.Errorf("%w: unknown namespace %q in !{%s} (want timestamp, firehose, partitionKeyFromQuery or partitionKeyFromLambda)", ErrBadPrefix, ns, body)
}

// check renders the prefix with sample values so a literal that makes an
// unsafe key fails at parse time rather than at the first delivery.
func (p *Prefix) check() error {
	sample := Values{
		Time:       time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC),
		ErrorType:  ProcessingFailed,
		Random:     "abcdef01-23",
		QueryKeys:  map[string]string{},
		LambdaKeys: map[string]string{},
	}
	for _, k := range p.QueryKeys() {
		sample.QueryKeys[k] = "v"
	}
	for _, k := range p.LambdaKeys() {
		sample.LambdaKeys[k] = "v"
	}
	if _, err := p.Render(sample); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrBadPrefix, p.expr, err)
	}
	return nil
}

func (p *Prefix) has(k segKind) bool {
	for _, s := range p.segs {
		if s.kind == k {
			return true
		}
	}
	return false
}

func (p *Prefix) keys(k segKind) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range p.segs {
		if s.kind == k && !seen[s.text] {
			seen[s.text] = true
			out = append(out, s.text)
		}
	}
	sort.Strings(out)
	return out
}

// String returns the expression as configured, with any appended default.
func (p *Prefix) String() string { return p.expr }

// QueryKeys are the names of the !{partitionKeyFromQuery:KEY} expressions.
func (p *Prefix) QueryKeys() []string { return p.keys(segQueryKey) }

// LambdaKeys are the names of the !{partitionKeyFromLambda:KEY} expressions.
func (p *Prefix) LambdaKeys() []string { return p.keys(segLambdaKey) }

// Partitioned reports whether the prefix uses partition keys (dynamic
// partitioning): records then go to one object per distinct key set.
func (p *Prefix) Partitioned() bool { return p.has(segQueryKey) || p.has(segLambdaKey) }

// UsesRandom reports whether the prefix uses !{firehose:random-string}.
func (p *Prefix) UsesRandom() bool { return p.has(segRandom) }

// Render evaluates the prefix. It fails with ErrMissingValue when a value
// the prefix uses is absent or empty, and with ErrBadKey when the result is
// longer than MaxPrefixLen or is not a safe relative key.
func (p *Prefix) Render(v Values) (string, error) {
	var b strings.Builder
	t := v.Time.UTC()
	for _, s := range p.segs {
		switch s.kind {
		case segLiteral:
			b.WriteString(s.text)
		case segTime:
			s.layout.format(&b, t)
		case segRandom:
			if v.Random == "" {
				return "", fmt.Errorf("%w: !{firehose:random-string}", ErrMissingValue)
			}
			b.WriteString(Escape(v.Random))
		case segErrorType:
			if v.ErrorType == "" {
				return "", fmt.Errorf("%w: !{firehose:error-output-type}", ErrMissingValue)
			}
			b.WriteString(Escape(v.ErrorType))
		case segQueryKey, segLambdaKey:
			m, ns := v.QueryKeys, "partitionKeyFromQuery"
			if s.kind == segLambdaKey {
				m, ns = v.LambdaKeys, "partitionKeyFromLambda"
			}
			val := m[s.text]
			if val == "" {
				return "", fmt.Errorf("%w: !{%s:%s}", ErrMissingValue, ns, s.text)
			}
			b.WriteString(Escape(val))
		}
	}
	out := b.String()
	if len(out) > MaxPrefixLen {
		return "", fmt.Errorf("%w: prefix is %d bytes, more than %d", ErrBadKey, len(out), MaxPrefixLen)
	}
	if err := checkRelative(out); err != nil {
		return "", err
	}
	return out, nil
}

// checkRelative refuses a key that is absolute or has a "." or ".."
// segment. Empty segments ("a//b") are S3-legal and left alone here.
func checkRelative(key string) error {
	if strings.HasPrefix(key, "/") {
		return fmt.Errorf("%w: %q starts with /", ErrBadKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q has a %q segment", ErrBadKey, key, seg)
		}
	}
	return nil
}
