package firehose

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

// destinationID is the id of a delivery stream's one destination.
const destinationID = "destinationId-000000000001"

// describe shows a Definition in DescribeDeliveryStream's shape; status is
// the DeliveryStreamStatus (ACTIVE, CREATING...).
func (c Config) describe(def *delivery.Definition, status string) deliveryStreamDescription {
	d := deliveryStreamDescription{
		DeliveryStreamName:   def.Name,
		DeliveryStreamARN:    c.ARN(def.Name),
		DeliveryStreamStatus: status,
		DeliveryStreamType:   def.Source.Kind,
		VersionId:            strconv.Itoa(max(def.Version, 1)),
		Destinations:         []destinationDescription{{DestinationId: destinationID}},
	}
	if !def.CreatedAt.IsZero() {
		d.CreateTimestamp = &awsjson.Time{Time: def.CreatedAt}
	}
	if !def.UpdatedAt.IsZero() {
		d.LastUpdateTimestamp = &awsjson.Time{Time: def.UpdatedAt}
	}
	switch def.Source.Kind {
	case delivery.SourceDataStream:
		d.Source = &sourceDescription{KinesisStreamSourceDescription: &kinesisSourceDescription{KinesisStreamARN: c.streamARN(def.Source.Stream)}}
		if d.CreateTimestamp != nil {
			d.Source.KinesisStreamSourceDescription.DeliveryStartTimestamp = d.CreateTimestamp
		}
	default:
		d.DeliveryStreamType = delivery.SourceDirectPut
		d.Source = &sourceDescription{DirectPutSourceDescription: &struct{}{}}
	}
	switch def.Destination.Kind {
	case delivery.DestHTTP:
		if def.Destination.HTTP != nil {
			d.Destinations[0].HttpEndpointDestinationDescription = c.describeHTTP(def)
		}
	case delivery.DestKinesis, delivery.DestFirehose:
		// Firehose has no Kinesis or Firehose destination type: the
		// destination is listed by its id alone (the REST API and
		// `sluice delivery describe` show it).
	default:
		d.Destinations[0].ExtendedS3DestinationDescription = c.describeS3(def)
	}
	return d
}

func (c Config) describeS3(def *delivery.Definition) *extendedS3Description {
	dest := def.Destination
	s := &extendedS3Description{
		s3Description:           s3Desc(dest, def.Buffering),
		ProcessingConfiguration: c.describeProcessing(def.Processors, def.Processor, dest.PartitionQueries),
		S3BackupMode:            "Disabled",
	}
	s.CompressionFormat = s3Compression(def.Format.Compression)
	if def.Format.Type == format.Parquet {
		s.CompressionFormat = "UNCOMPRESSED"
		conv := &dataFormatConversionOut{Enabled: true}
		conv.OutputFormatConfiguration.Serializer.ParquetSerDe.Compression = parquetCompression(def.Format.Compression)
		s.DataFormatConversionConfiguration = conv
	}
	if len(dest.PartitionQueries) > 0 || strings.Contains(dest.Prefix, "!{partitionKeyFrom") {
		s.DynamicPartitioningConfiguration = &dynamicPartitioningOut{Enabled: true}
	}
	if def.Backup != nil {
		s.S3BackupMode = "Enabled"
		b := s3Desc(dest, def.Buffering)
		b.Prefix, b.ErrorOutputPrefix = def.Backup.Prefix, ""
		b.CompressionFormat = "UNCOMPRESSED"
		s.S3BackupDescription = &b
	}
	return s
}

func (c Config) describeHTTP(def *delivery.Definition) *httpEndpointDescription {
	h := def.Destination.HTTP
	out := &httpEndpointDescription{
		EndpointConfiguration:   endpointDescription{Url: h.URL, Name: h.Name},
		BufferingHints:          hintsOut(def.Buffering),
		RetryOptions:            retryOptionsOut{DurationInSeconds: delivery.DefaultHTTPRetrySecs},
		ProcessingConfiguration: c.describeProcessing(def.Processors, def.Processor, nil),
		S3BackupMode:            "FailedDataOnly",
	}
	if h.RetrySeconds != nil {
		out.RetryOptions.DurationInSeconds = *h.RetrySeconds
	}
	if def.Backup != nil {
		out.S3BackupMode = "AllData"
	}
	if h.ContentEncoding != "" || len(h.CommonAttributes) > 0 {
		r := &requestConfig{ContentEncoding: "NONE"}
		if h.ContentEncoding != "" {
			r.ContentEncoding = h.ContentEncoding
		}
		for _, k := range slices.Sorted(maps.Keys(h.CommonAttributes)) {
			r.CommonAttributes = append(r.CommonAttributes, commonAttribute{AttributeName: k, AttributeValue: h.CommonAttributes[k]})
		}
		out.RequestConfiguration = r
	}
	if h.ErrorStore != nil {
		s := s3Desc(*h.ErrorStore, def.Buffering)
		s.Prefix, s.ErrorOutputPrefix = "", def.Destination.ErrorPrefix
		if def.Backup != nil {
			s.Prefix = def.Backup.Prefix
		}
		out.S3DestinationDescription = &s
	}
	return out
}

// s3Desc describes an object store destination; its bucket is the S3
// bucket, or the last element of a folder's path (the server's object
// store keeps bucket B in a folder named B).
func s3Desc(dest delivery.Destination, b delivery.Buffering) s3Description {
	bucket := ""
	switch {
	case dest.S3 != nil:
		bucket = dest.S3.Bucket
	case dest.Folder != nil:
		bucket = filepath.Base(dest.Folder.Path)
	}
	return s3Description{
		BucketARN:         "arn:aws:s3:::" + bucket,
		Prefix:            dest.Prefix,
		ErrorOutputPrefix: dest.ErrorPrefix,
		BufferingHints:    hintsOut(b),
		CompressionFormat: s3Compression(""),
	}
}

func hintsOut(b delivery.Buffering) bufferingHintsOut {
	out := bufferingHintsOut{SizeInMBs: b.SizeMiB, IntervalInSeconds: delivery.DefaultIntervalSeconds}
	if out.SizeInMBs == 0 {
		out.SizeInMBs = delivery.DefaultBufferMiB
	}
	if b.IntervalSeconds != nil {
		out.IntervalInSeconds = *b.IntervalSeconds
	}
	return out
}

func (c Config) describeProcessing(rps []delivery.RecordProcessor, p *delivery.Processor, queries map[string]string) *processingConfigOut {
	if len(rps) == 0 && p == nil && len(queries) == 0 {
		return nil
	}
	out := &processingConfigOut{Enabled: true}
	for _, rp := range rps {
		out.Processors = append(out.Processors, describeRecordProcessor(rp))
	}
	if len(queries) > 0 {
		var q strings.Builder
		q.WriteString("{")
		for i, k := range slices.Sorted(maps.Keys(queries)) {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(strconv.Quote(k) + ": " + queries[k])
		}
		q.WriteString("}")
		out.Processors = append(out.Processors, processor{Type: procMetadata, Parameters: []processorParameter{
			{ParameterName: paramQuery, ParameterValue: q.String()},
			{ParameterName: paramEngine, ParameterValue: "JQ-1.6"},
		}})
	}
	if p != nil {
		params := []processorParameter{{ParameterName: paramLambdaArn, ParameterValue: c.lambdaARN(p.Module)}}
		retries := delivery.DefaultRetries
		if p.Retries != nil {
			retries = *p.Retries
		}
		params = append(params, processorParameter{ParameterName: paramRetries, ParameterValue: strconv.Itoa(retries)})
		batch := p.BatchMiB
		if batch == 0 {
			batch = delivery.DefaultBatchMiB
		}
		params = append(params, processorParameter{ParameterName: paramBufferSize, ParameterValue: strconv.FormatFloat(batch, 'g', -1, 64)})
		out.Processors = append(out.Processors, processor{Type: procLambda, Parameters: params})
	}
	return out
}

// s3Compression names a JSON-lines codec as Firehose's CompressionFormat.
func s3Compression(codec string) string {
	switch codec {
	case format.Gzip:
		return "GZIP"
	case format.Snappy:
		return "Snappy"
	case format.Zstd:
		return "ZSTD"
	}
	return "UNCOMPRESSED"
}

// parquetCompression names a Parquet column codec as ParquetSerDe's
// Compression (ZSTD is a Sluice extension).
func parquetCompression(codec string) string {
	switch codec {
	case format.None:
		return "UNCOMPRESSED"
	case format.Gzip:
		return "GZIP"
	case format.Zstd:
		return "ZSTD"
	}
	return "SNAPPY"
}
