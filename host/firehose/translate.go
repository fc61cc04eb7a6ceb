package firehose

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

// defaultIntervalSeconds is Firehose's buffering interval when
// BufferingHints has none (a pipeline file's default is 60 s). Every bound
// this file checks is the delivery package's constant, so the API and a
// pipeline file refuse the same values.
const defaultIntervalSeconds = 300

// translate turns a CreateDeliveryStream request (raw: its body, already
// decoded into in) into a Definition, refusing what Sluice cannot honour.
// The manager checks the rest (names of streams and modules, prefixes).
func (c Config) translate(raw json.RawMessage, in *createInput) (delivery.Definition, error) {
	var def delivery.Definition
	if f := unsupportedField(raw, reflect.TypeFor[createInput]()); f != "" {
		return def, invalid("%s is not supported by Sluice.", f)
	}
	if in.DeliveryStreamName == "" {
		return def, validation("Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null")
	}
	if err := delivery.ValidateName(in.DeliveryStreamName); err != nil {
		return def, validation("Value '%s' at 'deliveryStreamName' failed to satisfy constraint: Member must have length between 1 and %d and match pattern [a-zA-Z0-9_.-]+", in.DeliveryStreamName, delivery.MaxNameLen)
	}
	def.Name = in.DeliveryStreamName
	var err error
	if def.Source, err = c.source(in); err != nil {
		return def, err
	}
	n := 0
	for _, present := range []bool{in.ExtendedS3DestinationConfiguration != nil, in.S3DestinationConfiguration != nil, in.HttpEndpointDestinationConfiguration != nil} {
		if present {
			n++
		}
	}
	switch {
	case n == 0:
		return def, invalid("A destination is required: ExtendedS3DestinationConfiguration or HttpEndpointDestinationConfiguration.")
	case n > 1:
		return def, invalid("Only one destination configuration may be given.")
	case in.ExtendedS3DestinationConfiguration != nil:
		err = c.extendedS3(&def, in.ExtendedS3DestinationConfiguration, "ExtendedS3DestinationConfiguration")
	case in.S3DestinationConfiguration != nil:
		err = c.extendedS3(&def, &extendedS3Config{s3Config: *in.S3DestinationConfiguration}, "S3DestinationConfiguration")
	default:
		err = c.httpEndpoint(&def, in.HttpEndpointDestinationConfiguration)
	}
	return def, err
}

func (c Config) source(in *createInput) (delivery.Source, error) {
	switch in.DeliveryStreamType {
	case "", delivery.SourceDirectPut:
		if in.KinesisStreamSourceConfiguration != nil {
			return delivery.Source{}, invalid("KinesisStreamSourceConfiguration needs DeliveryStreamType KinesisStreamAsSource.")
		}
		return delivery.Source{Kind: delivery.SourceDirectPut}, nil
	case delivery.SourceDataStream:
		k := in.KinesisStreamSourceConfiguration
		if k == nil || k.KinesisStreamARN == "" {
			return delivery.Source{}, invalid("DeliveryStreamType KinesisStreamAsSource needs KinesisStreamSourceConfiguration.KinesisStreamARN.")
		}
		if in.DirectPutSourceConfiguration != nil {
			return delivery.Source{}, invalid("DirectPutSourceConfiguration needs DeliveryStreamType DirectPut.")
		}
		name, err := c.streamOf(k.KinesisStreamARN, "KinesisStreamSourceConfiguration.KinesisStreamARN")
		if err != nil {
			return delivery.Source{}, err
		}
		return delivery.Source{Kind: delivery.SourceDataStream, Stream: name}, nil
	}
	return delivery.Source{}, invalid("DeliveryStreamType %s is not supported by Sluice: use DirectPut or KinesisStreamAsSource.", in.DeliveryStreamType)
}

// store is the destination holding the bucket of a BucketARN.
func (c Config) store(bucketARN, field string) (delivery.Destination, error) {
	if bucketARN == "" {
		return delivery.Destination{}, validation("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	bucket, err := bucketOf(bucketARN, field)
	if err != nil {
		return delivery.Destination{}, err
	}
	if c.ObjectStore == nil {
		return delivery.Destination{}, invalid("%s: this server has no object store for S3 destinations.", field)
	}
	d, err := c.ObjectStore(bucket)
	if err != nil {
		return delivery.Destination{}, invalid("%s: %v", field, err)
	}
	return d, nil
}

func (c Config) extendedS3(def *delivery.Definition, s *extendedS3Config, field string) error {
	dest, err := c.store(s.BucketARN, field+".BucketARN")
	if err != nil {
		return err
	}
	dest.Prefix = deref(s.Prefix)
	dest.ErrorPrefix = deref(s.ErrorOutputPrefix)
	def.Destination = dest
	if def.Buffering, err = buffering(s.BufferingHints, field+".BufferingHints", delivery.MaxBufferMiB); err != nil {
		return err
	}
	if err := plainS3(&s.s3Config, field); err != nil {
		return err
	}
	def.Format = format.Spec{Type: format.JSONLines}
	switch s.CompressionFormat {
	case "", "UNCOMPRESSED":
		def.Format.Compression = format.None
	case "GZIP":
		def.Format.Compression = format.Gzip
	case "Snappy":
		def.Format.Compression = format.Snappy
	case "ZSTD": // a Sluice extension: AWS has no zstd for whole objects
		def.Format.Compression = format.Zstd
	default:
		return invalid("%s.CompressionFormat %s is not supported by Sluice: use UNCOMPRESSED, GZIP, Snappy or ZSTD.", field, s.CompressionFormat)
	}
	if s.DataFormatConversionConfiguration != nil {
		var dfc struct {
			Enabled *bool `json:"Enabled"`
		}
		_ = json.Unmarshal(*s.DataFormatConversionConfiguration, &dfc)
		if dfc.Enabled == nil || *dfc.Enabled {
			return invalid("%s.DataFormatConversionConfiguration: AWS reads the schema from Glue, which Sluice does not have; declare the Parquet schema (format.schema) in a pipeline file and run `sluice apply -f pipeline.yaml`.", field)
		}
	}
	partitioned := false
	if dp := s.DynamicPartitioningConfiguration; dp != nil && dp.Enabled != nil && *dp.Enabled {
		partitioned = true
		if dp.RetryOptions != nil {
			// Firehose bounds this retry duration as it does an HTTP
			// endpoint's; Sluice checks it and has no use for it.
			if _, err := intIn(dp.RetryOptions.DurationInSeconds, field+".DynamicPartitioningConfiguration.RetryOptions.DurationInSeconds", 0, delivery.MaxHTTPRetrySecs, 0); err != nil {
				return err
			}
		}
	}
	if err := c.processing(def, s.ProcessingConfiguration, field+".ProcessingConfiguration", partitioned); err != nil {
		return err
	}
	switch s.S3BackupMode {
	case "", "Disabled":
		if s.S3BackupConfiguration != nil {
			return invalid("%s.S3BackupConfiguration needs S3BackupMode Enabled.", field)
		}
	case "Enabled":
		b := s.S3BackupConfiguration
		if b == nil {
			return invalid("%s.S3BackupMode Enabled needs S3BackupConfiguration.", field)
		}
		if err := c.sameBucket(b.BucketARN, s.BucketARN, field+".S3BackupConfiguration"); err != nil {
			return err
		}
		if b.CompressionFormat != "" && b.CompressionFormat != "UNCOMPRESSED" {
			return invalid("%s.S3BackupConfiguration.CompressionFormat %s is not supported by Sluice: backups are written as JSON lines, UNCOMPRESSED.", field, b.CompressionFormat)
		}
		if b.ErrorOutputPrefix != nil || b.BufferingHints != nil {
			return invalid("%s.S3BackupConfiguration: only BucketARN and Prefix are supported by Sluice (a backup is buffered with the delivery).", field)
		}
		def.Backup = &delivery.Backup{Prefix: deref(b.Prefix)}
	default:
		return invalid("%s.S3BackupMode %s is not valid: use Disabled or Enabled.", field, s.S3BackupMode)
	}
	return nil
}

// plainS3 refuses the encryption and CloudWatch settings Sluice cannot honour.
func plainS3(s *s3Config, field string) error {
	if e := s.EncryptionConfiguration; e != nil && e.NoEncryptionConfig != "NoEncryption" {
		return invalid("%s.EncryptionConfiguration: only NoEncryptionConfig NoEncryption is supported by Sluice.", field)
	}
	return cloudWatch(s.CloudWatchLoggingOptions, field)
}

// cloudWatch accepts CloudWatchLoggingOptions only when disabled: Sluice
// logs delivery errors to its own log.
func cloudWatch(o *cloudWatchLoggingOptions, field string) error {
	if o != nil && o.Enabled != nil && *o.Enabled {
		return invalid("%s.CloudWatchLoggingOptions: CloudWatch logging is not supported by Sluice (delivery errors go to the server's log and the error output).", field)
	}
	return nil
}

// sameBucket requires a secondary bucket (backup, failed data) to be the
// destination's: Sluice writes them under their prefixes in one store.
func (c Config) sameBucket(arn, want, field string) error {
	if arn == "" {
		return validation("Value null at '%s.BucketARN' failed to satisfy constraint: Member must not be null", field)
	}
	if arn != want {
		return invalid("%s.BucketARN %s must be the destination's bucket %s: Sluice writes backups into the destination's store under their prefix.", field, arn, want)
	}
	return nil
}

func buffering(h *bufferingHints, field string, maxMiB int) (delivery.Buffering, error) {
	interval := defaultIntervalSeconds
	b := delivery.Buffering{IntervalSeconds: &interval}
	if h == nil {
		return b, nil
	}
	var err error
	if b.SizeMiB, err = intIn(h.SizeInMBs, field+".SizeInMBs", delivery.MinBufferMiB, maxMiB, 0); err != nil {
		return b, err
	}
	if interval, err = intIn(h.IntervalInSeconds, field+".IntervalInSeconds", 0, delivery.MaxIntervalSeconds, defaultIntervalSeconds); err != nil {
		return b, err
	}
	return b, nil
}

// intIn reads an optional integer field bounded to lo..hi, def when absent.
func intIn(v *int32, field string, lo, hi, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	n := int(*v)
	if n < lo || n > hi {
		return 0, validation("Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d", n, field, lo, hi)
	}
	return n, nil
}

func (c Config) httpEndpoint(def *delivery.Definition, h *httpEndpointConfig) error {
	return c.httpEndpointAs(def, h, "HttpEndpointDestinationConfiguration", "S3Configuration")
}

// httpEndpointAs is httpEndpoint naming the fields as the request does:
// field for the configuration, s3 for its S3Configuration (an
// UpdateDestination that replaces a destination says
// HttpEndpointDestinationUpdate and S3Update).
func (c Config) httpEndpointAs(def *delivery.Definition, h *httpEndpointConfig, field, s3 string) error {
	e := h.EndpointConfiguration
	if e == nil || e.Url == "" {
		return validation("Value null at '%s.EndpointConfiguration.Url' failed to satisfy constraint: Member must not be null", field)
	}
	if h.S3Configuration == nil {
		return validation("Value null at '%s.%s' failed to satisfy constraint: Member must not be null", field, s3)
	}
	store, err := c.store(h.S3Configuration.BucketARN, field+"."+s3+".BucketARN")
	if err != nil {
		return err
	}
	if err := plainS3(h.S3Configuration, field+"."+s3); err != nil {
		return err
	}
	if f := h.S3Configuration.CompressionFormat; f != "" && f != "UNCOMPRESSED" {
		return invalid("%s.%s.CompressionFormat %s is not supported by Sluice: failed data is written UNCOMPRESSED.", field, s3, f)
	}
	if err := cloudWatch(h.CloudWatchLoggingOptions, field); err != nil {
		return err
	}
	// The bucket's Prefix names the backup (AllData) and its
	// ErrorOutputPrefix the failed records: the delivery stream's backup
	// prefix and error prefix.
	backupPrefix := deref(h.S3Configuration.Prefix)
	dest := &delivery.HTTPDest{URL: e.Url, Name: e.Name, AccessKey: e.AccessKey, ErrorStore: &store}
	if r := h.RequestConfiguration; r != nil {
		switch r.ContentEncoding {
		case "", "NONE":
		case "GZIP":
			dest.ContentEncoding = "GZIP"
		default:
			return invalid("%s.RequestConfiguration.ContentEncoding %s is not valid: use NONE or GZIP.", field, r.ContentEncoding)
		}
		for i, a := range r.CommonAttributes {
			if a.AttributeName == "" {
				return validation("Value null at '%s.RequestConfiguration.CommonAttributes[%d].AttributeName' failed to satisfy constraint: Member must not be null", field, i)
			}
			if dest.CommonAttributes == nil {
				dest.CommonAttributes = map[string]string{}
			}
			if _, dup := dest.CommonAttributes[a.AttributeName]; dup {
				return invalid("%s.RequestConfiguration.CommonAttributes: %s appears twice.", field, a.AttributeName)
			}
			dest.CommonAttributes[a.AttributeName] = a.AttributeValue
		}
	}
	if h.RetryOptions != nil {
		n, err := intIn(h.RetryOptions.DurationInSeconds, field+".RetryOptions.DurationInSeconds", 0, delivery.MaxHTTPRetrySecs, delivery.DefaultHTTPRetrySecs)
		if err != nil {
			return err
		}
		dest.RetrySeconds = &n
	}
	def.Destination = delivery.Destination{Kind: delivery.DestHTTP, HTTP: dest, ErrorPrefix: deref(h.S3Configuration.ErrorOutputPrefix)}
	def.Format = format.Spec{Type: format.JSONLines, Compression: format.None}
	if def.Buffering, err = buffering(h.BufferingHints, field+".BufferingHints", delivery.MaxHTTPBufferMiB); err != nil {
		return err
	}
	switch h.S3BackupMode {
	case "", "FailedDataOnly":
	case "AllData":
		def.Backup = &delivery.Backup{Prefix: backupPrefix}
	default:
		return invalid("%s.S3BackupMode %s is not valid: use FailedDataOnly or AllData.", field, h.S3BackupMode)
	}
	return c.processing(def, h.ProcessingConfiguration, field+".ProcessingConfiguration", false)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// parseFloat reads a decimal parameter value.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}
