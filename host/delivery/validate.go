package delivery

import (
	"net/url"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/sluice-io/sluice/host/streams"
	"github.com/sluice-io/sluice/runtime"
	"github.com/sluice-io/sluice/sinks/format"
	"github.com/sluice-io/sluice/sinks/kinesisdest"
)

// ValidateName checks a delivery stream name: 1 to 64 characters from
// [a-zA-Z0-9_.-], as Firehose allows.
func ValidateName(name string) error {
	if limitName.checkInt(len(name)) != nil {
		return invalidf("delivery stream name %q must have %d to %d characters", name, int(limitName.Min), MaxNameLen)
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
	def.Warnings = nil // the server's, for one answer
	if err := normalizeSource(&def.Source); err != nil {
		return err
	}
	b := &def.Buffering
	if b.SizeMiB == 0 {
		b.SizeMiB = DefaultBufferMiB
	}
	size := limitBufferSize
	if def.Destination.Kind == DestHTTP { // Kinesis and Firehose destinations take 128 MiB: a batch is put in calls
		size = limitHTTPBufferSize
	}
	if err := size.checkInt(b.SizeMiB); err != nil {
		return err
	}
	if b.IntervalSeconds == nil {
		v := DefaultIntervalSeconds
		b.IntervalSeconds = &v
	}
	if err := limitInterval.checkInt(*b.IntervalSeconds); err != nil {
		return err
	}
	if err := normalizeProcessors(&def.Processors); err != nil {
		return err
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
	if err := normalizeSecrets(def); err != nil {
		return err
	}
	if def.Destination.Kind == DestHTTP && def.Format.Type != format.JSONLines {
		return invalidf("an HTTP destination takes records as they are: format must be %q", format.JSONLines)
	}
	if k := def.Destination.Kind; (k == DestKinesis || k == DestFirehose) && (def.Format.Type != format.JSONLines || def.Format.Compression != format.None) {
		return invalidf("a %s destination takes records as they are: format must be %q without compression", k, format.JSONLines)
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
	if err := limitRetries.checkInt(*p.Retries); err != nil {
		return err
	}
	if p.BatchMiB == 0 {
		p.BatchMiB = DefaultBatchMiB
	}
	if err := limitBatchMiB.check(p.BatchMiB); err != nil {
		return err
	}
	if p.BatchRecords == 0 {
		p.BatchRecords = DefaultBatchRecords
	}
	if err := limitBatchRecords.checkInt(p.BatchRecords); err != nil {
		return err
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if err := limitTimeout.checkInt(p.TimeoutSeconds); err != nil {
		return err
	}
	for _, b := range p.KVBuckets {
		// Sluice's own buckets (definitions with their secrets, positions,
		// modules) are never a module's to read; the runtime refuses them
		// too.
		if err := runtime.CheckBucketGrant(b); err != nil {
			return invalidf("processor: kvBuckets: %v", err)
		}
	}
	if p.MemoryMiB == 0 {
		p.MemoryMiB = DefaultMemoryMiB
	}
	// The maximum is the runtime's: check, which knows the Manager's
	// runtime, tests it.
	if p.MemoryMiB < 1 {
		return memoryLimit(runtime.DefaultMaxMemoryBytes).checkInt(p.MemoryMiB)
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

// normalizeDestination checks d; nested is true for the error store of an
// HTTP, Kinesis or Firehose destination (which must be a folder or S3, and
// is not partitioned).
func normalizeDestination(d *Destination, hasProcessor, nested bool) error {
	where := "destination"
	if nested {
		where = "error store"
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
			if err := checkEndpointURL(d.S3.Endpoint, where+": S3 endpoint"); err != nil {
				return err
			}
		}
		if err := checkS3Credentials(d.S3, where); err != nil {
			return err
		}
	case DestHTTP:
		if nested {
			return invalidf("%s must be a folder or S3", where)
		}
		h := d.HTTP
		if h == nil || h.URL == "" {
			return invalidf("%s: HTTP needs a url", where)
		}
		if err := checkEndpointURL(h.URL, where+": HTTP url"); err != nil {
			return err
		}
		if h.RetrySeconds == nil {
			v := DefaultHTTPRetrySecs
			h.RetrySeconds = &v
		}
		if err := limitHTTPRetry.checkInt(*h.RetrySeconds); err != nil {
			return err
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
	case DestKinesis, DestFirehose:
		if nested {
			return invalidf("%s must be a folder or S3", where)
		}
		if err := normalizeStream(d, where); err != nil {
			return err
		}
	default:
		return invalidf("%s: kind %q must be %s, %s, %s, %s or %s", where, d.Kind, DestFolder, DestS3, DestHTTP, DestKinesis, DestFirehose)
	}
	if nested {
		// The error output and the backup of an HTTP destination are named
		// by the destination's own errorPrefix and the backup's prefix: a
		// prefix here would be ignored, so it is refused.
		if d.Prefix != "" || d.ErrorPrefix != "" || len(d.PartitionQueries) > 0 {
			return invalidf("%s takes no prefix, errorPrefix or partitionQueries: set errorPrefix on the destination itself and the backup's prefix on backup", where)
		}
		return nil
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

// checkEndpointURL refuses a URL that is not http(s) with a host, and one
// with credentials in it (user:password@): those belong in the
// definition's credential fields, which are never shown.
func checkEndpointURL(raw, what string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		if err == nil && u.User != nil {
			raw = u.Redacted()
		}
		return invalidf("%s %q is not an http(s) URL", what, raw)
	}
	if u.User != nil {
		return invalidf("%s %s holds credentials: put them in the destination's credential fields (shown masked), not in the URL", what, u.Redacted())
	}
	return nil
}

// checkS3Credentials requires an S3 destination to say where its
// credentials come from: both static keys (each a value or a reference),
// or the server's ambient credentials, explicitly.
func checkS3Credentials(s *S3Dest, where string) error {
	return checkAWSCredentials(where+": S3", s.AccessKeyID != "" || s.AccessKeyIDFrom != nil,
		s.SecretAccessKey != "" || s.SecretAccessKeyFrom != nil, s.UseAmbientCredentials)
}

// checkAWSCredentials is the rule of checkS3Credentials for any AWS
// destination (what names it: "destination: S3").
func checkAWSCredentials(what string, hasID, hasSecret, ambient bool) error {
	switch {
	case hasID != hasSecret:
		return invalidf("%s needs both accessKeyId and secretAccessKey (each a value or an ...From reference), or neither", what)
	case hasID && ambient:
		return invalidf("%s has static keys and useAmbientCredentials: choose one", what)
	case !hasID && !ambient:
		return invalidf("%s has no credentials: give accessKeyId and secretAccessKey (or accessKeyIdFrom and secretAccessKeyFrom, from the server's environment or a secret file), or set useAmbientCredentials: true to sign with the server's own AWS credentials (environment, shared files, instance role)", what)
	}
	return nil
}

// normalizeStream checks a Kinesis or Firehose destination and fills its
// defaults.
func normalizeStream(d *Destination, where string) error {
	s := d.stream()
	what := where + ": " + d.Kind
	if s == nil || s.Stream == "" {
		return invalidf("%s needs a stream (its name or ARN)", what)
	}
	if (d.Kind == DestKinesis && d.Firehose != nil) || (d.Kind == DestFirehose && d.Kinesis != nil) {
		return invalidf("%s: give the %s member only", what, d.Kind)
	}
	if _, _, err := kinesisdest.ParseStream(kinesisdest.Kind(d.Kind), s.Stream); err != nil {
		return invalidf("%s: %v", what, strings.TrimPrefix(err.Error(), "kinesisdest: "))
	}
	if s.Endpoint != "" {
		if err := checkEndpointURL(s.Endpoint, what+" endpoint"); err != nil {
			return err
		}
	}
	if err := checkStreamCredentials(s, d.Kind, where); err != nil {
		return err
	}
	if s.PartitionKey != "" {
		if d.Kind == DestFirehose {
			return invalidf("%s takes no partitionKey (Firehose has none)", what)
		}
		if err := kinesisdest.CheckPartitionKey(s.PartitionKey); err != nil {
			return invalidf("%s: partitionKey: %v", what, err)
		}
	}
	if s.RetrySeconds == nil {
		v := DefaultForwardRetrySecs
		s.RetrySeconds = &v
	}
	if err := limitForwardRetry.checkInt(*s.RetrySeconds); err != nil {
		return err
	}
	if s.ErrorStore == nil {
		return invalidf("%s needs an errorStore (folder or S3) for failed records and backups", what)
	}
	return normalizeDestination(s.ErrorStore, false, true)
}

// checkStreamCredentials is checkS3Credentials for a Kinesis or Firehose
// destination.
func checkStreamCredentials(s *StreamDest, kind, where string) error {
	return checkAWSCredentials(where+": "+kind, s.AccessKeyID != "" || s.AccessKeyIDFrom != nil,
		s.SecretAccessKey != "" || s.SecretAccessKeyFrom != nil, s.UseAmbientCredentials)
}

// compileQuery compiles a jq expression for dynamic partitioning.
func compileQuery(q string) (*gojq.Code, error) {
	parsed, err := gojq.Parse(q)
	if err != nil {
		return nil, err
	}
	return gojq.Compile(parsed)
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
