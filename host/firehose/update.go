package firehose

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

// UpdateDestination, as Firehose does it: CurrentDeliveryStreamVersionId
// must be the delivery stream's VersionId (else
// ConcurrentModificationException, checked again atomically by
// delivery.Manager.Update); an update of the destination's own type is
// merged into it (members left out keep their values, Sluice-only
// settings from a pipeline file too); an update of another type replaces
// the destination and needs all its members, as a create does. The new
// version takes over for new batches; a batch in flight is replayed
// under the version that made it.

type updateInput struct {
	DeliveryStreamName             *string             `json:"DeliveryStreamName"`
	CurrentDeliveryStreamVersionId *string             `json:"CurrentDeliveryStreamVersionId"`
	DestinationId                  *string             `json:"DestinationId"`
	S3DestinationUpdate            *s3Config           `json:"S3DestinationUpdate"`
	ExtendedS3DestinationUpdate    *extendedS3Update   `json:"ExtendedS3DestinationUpdate"`
	HttpEndpointDestinationUpdate  *httpEndpointUpdate `json:"HttpEndpointDestinationUpdate"`
}

// extendedS3Update is ExtendedS3DestinationUpdate: extendedS3Config with
// S3BackupUpdate for S3BackupConfiguration.
type extendedS3Update struct {
	s3Config
	ProcessingConfiguration           *processingConfig          `json:"ProcessingConfiguration"`
	DataFormatConversionConfiguration *json.RawMessage           `json:"DataFormatConversionConfiguration"`
	DynamicPartitioningConfiguration  *dynamicPartitioningConfig `json:"DynamicPartitioningConfiguration"`
	S3BackupMode                      string                     `json:"S3BackupMode"`
	S3BackupUpdate                    *s3Config                  `json:"S3BackupUpdate"`
}

// httpEndpointUpdate is HttpEndpointDestinationUpdate: httpEndpointConfig
// with S3Update for S3Configuration.
type httpEndpointUpdate struct {
	EndpointConfiguration    *endpointConfig           `json:"EndpointConfiguration"`
	RequestConfiguration     *requestConfig            `json:"RequestConfiguration"`
	RetryOptions             *retryOptions             `json:"RetryOptions"`
	BufferingHints           *bufferingHints           `json:"BufferingHints"`
	ProcessingConfiguration  *processingConfig         `json:"ProcessingConfiguration"`
	S3BackupMode             string                    `json:"S3BackupMode"`
	S3Update                 *s3Config                 `json:"S3Update"`
	RoleARN                  string                    `json:"RoleARN"`
	CloudWatchLoggingOptions *cloudWatchLoggingOptions `json:"CloudWatchLoggingOptions"`
}

var (
	versionPattern       = awsjson.NewPattern(`[0-9]+`)
	destinationIDPattern = awsjson.NewPattern(`[a-zA-Z0-9-]+`)
)

func (in *updateInput) validate(v *awsjson.Violations) {
	checkName(v, in.DeliveryStreamName)
	v.String("currentDeliveryStreamVersionId", in.CurrentDeliveryStreamVersionId, true, 1, 50, &versionPattern)
	v.String("destinationId", in.DestinationId, true, 1, 100, &destinationIDPattern)
}

func (a *api) updateDestination(ctx context.Context, body []byte, in *updateInput) (*empty, error) {
	if f := unsupportedField(body, reflect.TypeFor[updateInput]()); f != "" {
		return nil, invalid("%s is not supported by Sluice: update an ExtendedS3, S3 or HttpEndpoint destination.", f)
	}
	n := 0
	for _, present := range []bool{in.ExtendedS3DestinationUpdate != nil, in.S3DestinationUpdate != nil, in.HttpEndpointDestinationUpdate != nil} {
		if present {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, invalid("A destination update is required: ExtendedS3DestinationUpdate, S3DestinationUpdate or HttpEndpointDestinationUpdate.")
	case n > 1:
		return nil, invalid("Only one destination update may be given.")
	}
	name := *in.DeliveryStreamName
	def, _, err := a.mgr.Describe(ctx, name)
	if err != nil {
		return nil, err
	}
	current := strconv.Itoa(max(def.Version, 1))
	if *in.CurrentDeliveryStreamVersionId != current {
		return nil, fmt.Errorf("%w: CurrentDeliveryStreamVersionId %s is not the current version of delivery stream %s, %s; describe it again and retry with its VersionId", delivery.ErrConcurrentModification, *in.CurrentDeliveryStreamVersionId, name, current)
	}
	if *in.DestinationId != destinationID {
		return nil, fmt.Errorf("%w: destination %s of delivery stream %s (its one destination is %s)", delivery.ErrNotFound, *in.DestinationId, name, destinationID)
	}
	wasHTTP := def.Destination.Kind == delivery.DestHTTP
	// A Kinesis or Firehose destination (set by a pipeline file) has no
	// Firehose API type: an update of either type replaces it.
	wasObjectStore := def.Destination.Kind == delivery.DestFolder || def.Destination.Kind == delivery.DestS3
	switch {
	case in.HttpEndpointDestinationUpdate != nil && wasHTTP:
		err = a.cfg.mergeHTTP(def, in.HttpEndpointDestinationUpdate)
	case in.HttpEndpointDestinationUpdate != nil:
		err = a.cfg.replace(def, func(d *delivery.Definition) error {
			return a.cfg.httpEndpointAs(d, in.HttpEndpointDestinationUpdate.asConfig(), "HttpEndpointDestinationUpdate", "S3Update")
		})
	case !wasObjectStore:
		err = a.cfg.replace(def, func(d *delivery.Definition) error {
			u := in.ExtendedS3DestinationUpdate
			field := "ExtendedS3DestinationUpdate"
			if u == nil {
				u, field = &extendedS3Update{s3Config: *in.S3DestinationUpdate}, "S3DestinationUpdate"
			}
			return a.cfg.extendedS3(d, u.asConfig(), field)
		})
	case in.ExtendedS3DestinationUpdate != nil:
		err = a.cfg.mergeS3(def, in.ExtendedS3DestinationUpdate, "ExtendedS3DestinationUpdate")
	default:
		err = a.cfg.mergeS3(def, &extendedS3Update{s3Config: *in.S3DestinationUpdate}, "S3DestinationUpdate")
	}
	if err != nil {
		return nil, err
	}
	v, _ := strconv.Atoi(current)
	if _, err := a.mgr.Update(ctx, *def, v); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

// replace gives def a new destination of another type, built by fn as a
// create builds it: everything but the name and the source starts anew.
func (c Config) replace(def *delivery.Definition, fn func(*delivery.Definition) error) error {
	fresh := delivery.Definition{Name: def.Name, Source: def.Source}
	if err := fn(&fresh); err != nil {
		return err
	}
	fresh.CreatedAt, fresh.UpdatedAt, fresh.Version = def.CreatedAt, def.UpdatedAt, def.Version
	*def = fresh
	return nil
}

func (u *extendedS3Update) asConfig() *extendedS3Config {
	return &extendedS3Config{
		s3Config: u.s3Config, ProcessingConfiguration: u.ProcessingConfiguration,
		DataFormatConversionConfiguration: u.DataFormatConversionConfiguration,
		DynamicPartitioningConfiguration:  u.DynamicPartitioningConfiguration,
		S3BackupMode:                      u.S3BackupMode, S3BackupConfiguration: u.S3BackupUpdate,
	}
}

func (u *httpEndpointUpdate) asConfig() *httpEndpointConfig {
	return &httpEndpointConfig{
		EndpointConfiguration: u.EndpointConfiguration, RequestConfiguration: u.RequestConfiguration,
		RetryOptions: u.RetryOptions, BufferingHints: u.BufferingHints, ProcessingConfiguration: u.ProcessingConfiguration,
		S3BackupMode: u.S3BackupMode, S3Configuration: u.S3Update, RoleARN: u.RoleARN, CloudWatchLoggingOptions: u.CloudWatchLoggingOptions,
	}
}

// mergeBuffering sets the hints an update gives, keeping the others.
func mergeBuffering(b *delivery.Buffering, h *bufferingHints, field string, maxMiB int) error {
	if h == nil {
		return nil
	}
	if h.SizeInMBs != nil {
		n, err := intIn(h.SizeInMBs, field+".SizeInMBs", delivery.MinBufferMiB, maxMiB, 0)
		if err != nil {
			return err
		}
		b.SizeMiB = n
	}
	if h.IntervalInSeconds != nil {
		n, err := intIn(h.IntervalInSeconds, field+".IntervalInSeconds", 0, delivery.MaxIntervalSeconds, 0)
		if err != nil {
			return err
		}
		b.IntervalSeconds = &n
	}
	return nil
}

// resetProcessing clears what a ProcessingConfiguration sets (see
// Config.processing), before an update's configuration replaces it.
func resetProcessing(def *delivery.Definition) {
	def.Processor = nil
	def.Destination.PartitionQueries = nil
}

// partitioned reports whether def partitions its objects by keys.
func partitioned(def *delivery.Definition) bool {
	return len(def.Destination.PartitionQueries) > 0 || strings.Contains(def.Destination.Prefix, "!{partitionKeyFrom")
}

// bucketARNOf is the BucketARN def's object store is described with.
func bucketARNOf(d delivery.Destination) string { return s3Desc(d, delivery.Buffering{}).BucketARN }

// mergeS3 merges an (Extended)S3 destination update into def's S3
// destination.
func (c Config) mergeS3(def *delivery.Definition, u *extendedS3Update, field string) error {
	dest := &def.Destination
	if u.BucketARN != "" {
		store, err := c.store(u.BucketARN, field+".BucketARN")
		if err != nil {
			return err
		}
		dest.Kind, dest.Folder, dest.S3 = store.Kind, store.Folder, store.S3
	}
	if u.Prefix != nil {
		dest.Prefix = *u.Prefix
	}
	if u.ErrorOutputPrefix != nil {
		dest.ErrorPrefix = *u.ErrorOutputPrefix
	}
	if err := mergeBuffering(&def.Buffering, u.BufferingHints, field+".BufferingHints", delivery.MaxBufferMiB); err != nil {
		return err
	}
	if err := plainS3(&u.s3Config, field); err != nil {
		return err
	}
	if u.DataFormatConversionConfiguration != nil {
		var dfc struct {
			Enabled *bool `json:"Enabled"`
		}
		_ = json.Unmarshal(*u.DataFormatConversionConfiguration, &dfc)
		if dfc.Enabled == nil || *dfc.Enabled {
			return invalid("%s.DataFormatConversionConfiguration: AWS reads the schema from Glue, which Sluice does not have; declare the Parquet schema (format.schema) in a pipeline file and run `sluice apply -f pipeline.yaml`.", field)
		}
		def.Format = format.Spec{Type: format.JSONLines, Compression: format.None}
	}
	if f := u.CompressionFormat; f != "" {
		if def.Format.Type == format.Parquet {
			if f != "UNCOMPRESSED" {
				return invalid("%s.CompressionFormat %s: delivery stream %s writes Parquet, compressed inside the file; CompressionFormat must be UNCOMPRESSED.", field, f, def.Name)
			}
		} else {
			codec, err := jsonCompression(f, field)
			if err != nil {
				return err
			}
			def.Format.Compression = codec
		}
	}
	parts := partitioned(def)
	if dp := u.DynamicPartitioningConfiguration; dp != nil {
		parts = dp.Enabled != nil && *dp.Enabled
		if dp.RetryOptions != nil {
			if _, err := intIn(dp.RetryOptions.DurationInSeconds, field+".DynamicPartitioningConfiguration.RetryOptions.DurationInSeconds", 0, delivery.MaxHTTPRetrySecs, 0); err != nil {
				return err
			}
		}
		if !parts {
			dest.PartitionQueries = nil
		}
	}
	if u.ProcessingConfiguration != nil {
		resetProcessing(def)
		if err := c.processing(def, u.ProcessingConfiguration, field+".ProcessingConfiguration", parts); err != nil {
			return err
		}
	}
	return c.mergeBackup(def, u, field)
}

// mergeBackup applies S3BackupMode and S3BackupUpdate.
func (c Config) mergeBackup(def *delivery.Definition, u *extendedS3Update, field string) error {
	switch u.S3BackupMode {
	case "":
	case "Disabled":
		def.Backup = nil
	case "Enabled":
		if def.Backup == nil {
			def.Backup = &delivery.Backup{}
		}
	default:
		return invalid("%s.S3BackupMode %s is not valid: use Disabled or Enabled.", field, u.S3BackupMode)
	}
	b := u.S3BackupUpdate
	if b == nil {
		return nil
	}
	if def.Backup == nil {
		return invalid("%s.S3BackupUpdate needs S3BackupMode Enabled.", field)
	}
	if b.BucketARN != "" {
		if err := c.sameBucket(b.BucketARN, bucketARNOf(def.Destination), field+".S3BackupUpdate"); err != nil {
			return err
		}
	}
	if b.CompressionFormat != "" && b.CompressionFormat != "UNCOMPRESSED" {
		return invalid("%s.S3BackupUpdate.CompressionFormat %s is not supported by Sluice: backups are written as JSON lines, UNCOMPRESSED.", field, b.CompressionFormat)
	}
	if b.ErrorOutputPrefix != nil || b.BufferingHints != nil {
		return invalid("%s.S3BackupUpdate: only BucketARN and Prefix are supported by Sluice (a backup is buffered with the delivery).", field)
	}
	if b.Prefix != nil {
		def.Backup.Prefix = *b.Prefix
	}
	return nil
}

// jsonCompression is the codec of a CompressionFormat for JSON lines.
func jsonCompression(f, field string) (string, error) {
	switch f {
	case "UNCOMPRESSED":
		return format.None, nil
	case "GZIP":
		return format.Gzip, nil
	case "Snappy":
		return format.Snappy, nil
	case "ZSTD":
		return format.Zstd, nil
	}
	return "", invalid("%s.CompressionFormat %s is not supported by Sluice: use UNCOMPRESSED, GZIP, Snappy or ZSTD.", field, f)
}

// mergeHTTP merges an HttpEndpointDestinationUpdate into def's HTTP
// endpoint destination.
func (c Config) mergeHTTP(def *delivery.Definition, u *httpEndpointUpdate) error {
	const field = "HttpEndpointDestinationUpdate"
	h := def.Destination.HTTP
	if e := u.EndpointConfiguration; e != nil {
		if e.Url == "" {
			return validation("Value null at '%s.EndpointConfiguration.Url' failed to satisfy constraint: Member must not be null", field)
		}
		h.URL = e.Url
		if e.Name != "" {
			h.Name = e.Name
		}
		if e.AccessKey != "" {
			h.AccessKey, h.AccessKeyFrom = e.AccessKey, nil
		}
	}
	if err := mergeBuffering(&def.Buffering, u.BufferingHints, field+".BufferingHints", delivery.MaxHTTPBufferMiB); err != nil {
		return err
	}
	if err := cloudWatch(u.CloudWatchLoggingOptions, field); err != nil {
		return err
	}
	if r := u.RequestConfiguration; r != nil {
		h.ContentEncoding, h.CommonAttributes = "", nil
		switch r.ContentEncoding {
		case "", "NONE":
		case "GZIP":
			h.ContentEncoding = "GZIP"
		default:
			return invalid("%s.RequestConfiguration.ContentEncoding %s is not valid: use NONE or GZIP.", field, r.ContentEncoding)
		}
		for i, a := range r.CommonAttributes {
			if a.AttributeName == "" {
				return validation("Value null at '%s.RequestConfiguration.CommonAttributes[%d].AttributeName' failed to satisfy constraint: Member must not be null", field, i)
			}
			if h.CommonAttributes == nil {
				h.CommonAttributes = map[string]string{}
			}
			if _, dup := h.CommonAttributes[a.AttributeName]; dup {
				return invalid("%s.RequestConfiguration.CommonAttributes: %s appears twice.", field, a.AttributeName)
			}
			h.CommonAttributes[a.AttributeName] = a.AttributeValue
		}
	}
	if u.RetryOptions != nil {
		n, err := intIn(u.RetryOptions.DurationInSeconds, field+".RetryOptions.DurationInSeconds", 0, delivery.MaxHTTPRetrySecs, delivery.DefaultHTTPRetrySecs)
		if err != nil {
			return err
		}
		h.RetrySeconds = &n
	}
	if s := u.S3Update; s != nil {
		if s.BucketARN != "" {
			store, err := c.store(s.BucketARN, field+".S3Update.BucketARN")
			if err != nil {
				return err
			}
			h.ErrorStore = &store
		}
		if err := plainS3(s, field+".S3Update"); err != nil {
			return err
		}
		if f := s.CompressionFormat; f != "" && f != "UNCOMPRESSED" {
			return invalid("%s.S3Update.CompressionFormat %s is not supported by Sluice: failed data is written UNCOMPRESSED.", field, f)
		}
		if s.ErrorOutputPrefix != nil {
			def.Destination.ErrorPrefix = *s.ErrorOutputPrefix
		}
	}
	switch u.S3BackupMode {
	case "":
	case "FailedDataOnly":
		def.Backup = nil
	case "AllData":
		if def.Backup == nil {
			def.Backup = &delivery.Backup{}
		}
	default:
		return invalid("%s.S3BackupMode %s is not valid: use FailedDataOnly or AllData.", field, u.S3BackupMode)
	}
	if s := u.S3Update; s != nil && s.Prefix != nil && def.Backup != nil {
		def.Backup.Prefix = *s.Prefix
	}
	if u.ProcessingConfiguration != nil {
		resetProcessing(def)
		return c.processing(def, u.ProcessingConfiguration, field+".ProcessingConfiguration", false)
	}
	return nil
}
