package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/sinks/format"
)

// Defaults and limits of a definition, Firehose's unless noted.
const (
	MaxNameLen             = 64
	DefaultBufferMiB       = 5
	MinBufferMiB           = 1
	MaxBufferMiB           = 128
	DefaultIntervalSeconds = 60
	MaxIntervalSeconds     = 900
	DefaultRetries         = 3
	MaxRetries             = 300
	DefaultBatchMiB        = 1.0
	MinBatchMiB            = 0.2
	MaxBatchMiB            = 3.0
	DefaultBatchRecords    = 500
	MaxBatchRecords        = 10000
	DefaultTimeoutSeconds  = 10
	MaxTimeoutSeconds      = 900
	DefaultMemoryMiB       = 64
	MaxMemoryMiB           = 4096
	DefaultHTTPRetrySecs   = 300
	MaxHTTPRetrySecs       = 7200
	DefaultPrefix          = "!{timestamp:yyyy/MM/dd/HH}/"
	DefaultErrorPrefix     = "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
	DefaultBackupPrefix    = "backup/!{timestamp:yyyy/MM/dd/HH}/"
)

// ValidateName checks a delivery stream name: 1 to 64 characters from
// [a-zA-Z0-9_.-], as Firehose allows.
func ValidateName(name string) error {
	if len(name) < 1 || len(name) > MaxNameLen {
		return invalidf("delivery stream name %q must have 1 to %d characters", name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return invalidf("delivery stream name %q must match [a-zA-Z0-9_.-]+", name)
		}
	}
	return nil
}

// normalize fills def's defaults in place and checks every rule that needs
// no I/O; check (below) adds the ones that do.
func normalize(def *Definition) error {
	if err := ValidateName(def.Name); err != nil {
		return err
	}
	if err := normalizeSource(&def.Source); err != nil {
		return err
	}
	b := &def.Buffering
	if b.SizeMiB == 0 {
		b.SizeMiB = DefaultBufferMiB
	}
	if b.SizeMiB < MinBufferMiB || b.SizeMiB > MaxBufferMiB {
		return invalidf("buffering size %d MiB is outside %d..%d", b.SizeMiB, MinBufferMiB, MaxBufferMiB)
	}
	if b.IntervalSeconds == nil {
		v := DefaultIntervalSeconds
		b.IntervalSeconds = &v
	}
	if v := *b.IntervalSeconds; v < 0 || v > MaxIntervalSeconds {
		return invalidf("buffering interval %d s is outside 0..%d", v, MaxIntervalSeconds)
	}
	if def.Processor != nil {
		if err := normalizeProcessor(def.Processor); err != nil {
			return err
		}
	}
	if err := normalizeFormat(&def.Format); err != nil {
		return err
	}
	if err := normalizeDestination(&def.Destination, def.Processor != nil, false); err != nil {
		return err
	}
	if def.Destination.Kind == DestHTTP && def.Format.Type != format.JSONLines {
		return invalidf("an HTTP destination takes records as they are: format must be %q", format.JSONLines)
	}
	if def.Backup != nil && def.Backup.Prefix == "" {
		def.Backup.Prefix = DefaultBackupPrefix
	}
	return nil
}

func normalizeSource(s *Source) error {
	switch s.Kind {
	case "", SourceDirectPut:
		s.Kind = SourceDirectPut
		if s.Stream != "" || s.StartingPosition != "" {
			return invalidf("a %s source takes no stream or starting position", SourceDirectPut)
		}
	case SourceDataStream:
		if err := streams.ValidateName(s.Stream); err != nil {
			return invalidf("source stream: %v", err)
		}
		switch s.StartingPosition {
		case "":
			s.StartingPosition = streams.Latest
		case streams.Latest, streams.TrimHorizon:
		default:
			return invalidf("starting position %q must be %s or %s", s.StartingPosition, streams.TrimHorizon, streams.Latest)
		}
	default:
		return invalidf("source kind %q must be %s or %s", s.Kind, SourceDirectPut, SourceDataStream)
	}
	return nil
}

func normalizeProcessor(p *Processor) error {
	if p.Module == "" {
		return invalidf("processor: module is required")
	}
	if p.Retries == nil {
		v := DefaultRetries
		p.Retries = &v
	}
	if *p.Retries < 0 || *p.Retries > MaxRetries {
		return invalidf("processor: retries %d is outside 0..%d", *p.Retries, MaxRetries)
	}
	if p.BatchMiB == 0 {
		p.BatchMiB = DefaultBatchMiB
	}
	if p.BatchMiB < MinBatchMiB || p.BatchMiB > MaxBatchMiB {
		return invalidf("processor: batch size %g MiB is outside %g..%g", p.BatchMiB, MinBatchMiB, MaxBatchMiB)
	}
	if p.BatchRecords == 0 {
		p.BatchRecords = DefaultBatchRecords
	}
	if p.BatchRecords < 1 || p.BatchRecords > MaxBatchRecords {
		return invalidf("processor: batch records %d is outside 1..%d", p.BatchRecords, MaxBatchRecords)
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if p.TimeoutSeconds < 1 || p.TimeoutSeconds > MaxTimeoutSeconds {
		return invalidf("processor: timeout %d s is outside 1..%d", p.TimeoutSeconds, MaxTimeoutSeconds)
	}
	if p.MemoryMiB == 0 {
		p.MemoryMiB = DefaultMemoryMiB
	}
	if p.MemoryMiB < 1 || p.MemoryMiB > MaxMemoryMiB {
		return invalidf("processor: memory %d MiB is outside 1..%d", p.MemoryMiB, MaxMemoryMiB)
	}
	return nil
}

func normalizeFormat(f *format.Spec) error {
	if f.Type == "" {
		f.Type = format.JSONLines
	}
	switch f.Type {
	case format.JSONLines:
		if f.Compression == "" {
			f.Compression = format.None
		}
		if len(f.Schema) > 0 {
			return invalidf("format: a schema applies only to %s", format.Parquet)
		}
	case format.Parquet:
		if f.Compression == "" {
			f.Compression = format.Snappy
		}
		if len(f.Schema) == 0 {
			return invalidf("format: %s needs a schema", format.Parquet)
		}
	default:
		return invalidf("format: type %q must be %s or %s", f.Type, format.JSONLines, format.Parquet)
	}
	switch f.Compression {
	case format.None, format.Gzip, format.Snappy, format.Zstd:
	default:
		return invalidf("format: compression %q must be none, gzip, snappy or zstd", f.Compression)
	}
	if _, err := newEncoder(*f); err != nil {
		return invalidf("format: %v", err)
	}
	return nil
}

// normalizeDestination checks d; nested is true for an HTTP destination's
// error store (which may be neither HTTP nor partitioned).
func normalizeDestination(d *Destination, hasProcessor, nested bool) error {
	where := "destination"
	if nested {
		where = "http error store"
	}
	switch d.Kind {
	case DestFolder:
		if d.Folder == nil || d.Folder.Path == "" {
			return invalidf("%s: a folder needs a path", where)
		}
	case DestS3:
		if d.S3 == nil || d.S3.Bucket == "" {
			return invalidf("%s: S3 needs a bucket", where)
		}
		if d.S3.Endpoint != "" {
			if u, err := url.Parse(d.S3.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return invalidf("%s: S3 endpoint %q is not an http(s) URL", where, d.S3.Endpoint)
			}
		}
	case DestHTTP:
		if nested {
			return invalidf("%s must be a folder or S3", where)
		}
		h := d.HTTP
		if h == nil || h.URL == "" {
			return invalidf("%s: HTTP needs a url", where)
		}
		if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalidf("%s: %q is not an http(s) URL", where, h.URL)
		}
		if h.RetrySeconds == nil {
			v := DefaultHTTPRetrySecs
			h.RetrySeconds = &v
		}
		if *h.RetrySeconds < 0 || *h.RetrySeconds > MaxHTTPRetrySecs {
			return invalidf("%s: retry duration %d s is outside 0..%d", where, *h.RetrySeconds, MaxHTTPRetrySecs)
		}
		if h.ContentEncoding != "" && h.ContentEncoding != "GZIP" && h.ContentEncoding != "NONE" {
			return invalidf("%s: content encoding %q must be NONE or GZIP", where, h.ContentEncoding)
		}
		if h.ErrorStore == nil {
			return invalidf("%s: HTTP needs an errorStore (folder or S3) for failed records and backups", where)
		}
		if err := normalizeDestination(h.ErrorStore, false, true); err != nil {
			return err
		}
	default:
		return invalidf("%s: kind %q must be %s, %s or %s", where, d.Kind, DestFolder, DestS3, DestHTTP)
	}
	if d.Prefix == "" {
		d.Prefix = DefaultPrefix
	}
	if d.ErrorPrefix == "" {
		d.ErrorPrefix = DefaultErrorPrefix
	}
	if err := checkPrefixes(d, hasProcessor); err != nil {
		return invalidf("%s: %v", where, err)
	}
	for k, q := range d.PartitionQueries {
		if k == "" {
			return invalidf("%s: a partition query needs a key name", where)
		}
		if _, err := compileQuery(q); err != nil {
			return invalidf("%s: partition query %s: %v", where, k, err)
		}
	}
	return nil
}

// compileQuery compiles a jq expression for dynamic partitioning.
func compileQuery(q string) (*gojq.Code, error) {
	parsed, err := gojq.Parse(q)
	if err != nil {
		return nil, err
	}
	return gojq.Compile(parsed)
}

// check runs the rules that need the host: the source stream exists and
// the processor module resolves.
func (m *Manager) check(ctx context.Context, def *Definition) error {
	if def.Source.Kind == SourceDataStream {
		if m.deps.Streams == nil {
			return invalidf("this server has no data streams")
		}
		s, err := m.deps.Streams.DescribeStream(ctx, def.Source.Stream)
		if errors.Is(err, streams.ErrNotFound) || (err == nil && s.Status == streams.StatusDeleting) {
			return invalidf("source stream %s does not exist", def.Source.Stream)
		}
		if err != nil {
			return fmt.Errorf("check source stream %s: %w", def.Source.Stream, err)
		}
	}
	if def.Processor != nil {
		if m.deps.Modules == nil {
			return invalidf("this server has no module registry")
		}
		if _, _, err := m.deps.Modules.Resolve(ctx, def.Processor.Module); err != nil {
			return invalidf("processor module %s: %v", def.Processor.Module, err)
		}
	}
	return nil
}

// prefixKeys returns the key names a prefix uses with the given
// expression kind ("partitionKeyFromQuery" or "partitionKeyFromLambda").
func prefixKeys(prefix, kind string) []string {
	var keys []string
	marker := "!{" + kind + ":"
	for {
		i := strings.Index(prefix, marker)
		if i < 0 {
			return keys
		}
		rest := prefix[i+len(marker):]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return keys
		}
		keys = append(keys, rest[:j])
		prefix = rest[j+1:]
	}
}
