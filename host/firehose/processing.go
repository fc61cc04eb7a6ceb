package firehose

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/sluice-io/sluice/host/delivery"
)

// Processor types and parameter names of Firehose's ProcessingConfiguration
// that Sluice honours.
const (
	procLambda          = "Lambda"
	procMetadata        = "MetadataExtraction"
	procAppendDelimiter = "AppendDelimiterToRecord"
	// Firehose's built-in record processors: delivery.RecordProcessor.
	procDeaggregation = delivery.ProcDeaggregation
	procDecompression = delivery.ProcDecompression
	procCloudWatch    = delivery.ProcCloudWatchLogs

	paramLambdaArn      = "LambdaArn"
	paramRetries        = "NumberOfRetries"
	paramBufferSize     = "BufferSizeInMBs"
	paramBufferInterval = "BufferIntervalInSeconds"
	paramRoleArn        = "RoleArn"
	paramQuery          = "MetadataExtractionQuery"
	paramEngine         = "JsonParsingEngine"
	paramSubRecordType  = "SubRecordType"
	paramDelimiter      = "Delimiter"
	paramCompression    = "CompressionFormat"
	paramExtraction     = "DataMessageExtraction"
)

// processing translates a ProcessingConfiguration: a Lambda processor
// becomes def.Processor; a MetadataExtraction processor (dynamic
// partitioning only) becomes def.Destination.PartitionQueries;
// RecordDeAggregation, Decompression and CloudWatchLogProcessing become
// def.Processors (the delivery package checks how they go together);
// AppendDelimiterToRecord is what JSON lines do anyway.
func (c Config) processing(def *delivery.Definition, pc *processingConfig, field string, partitioned bool) error {
	if pc == nil || pc.Enabled == nil || !*pc.Enabled {
		return nil
	}
	seen := map[string]bool{}
	for i, p := range pc.Processors {
		pf := field + ".Processors[" + strconv.Itoa(i) + "]"
		if seen[p.Type] {
			return invalid("%s: only one %s processor is allowed.", pf, p.Type)
		}
		seen[p.Type] = true
		params := map[string]string{}
		for j, kv := range p.Parameters {
			if _, dup := params[kv.ParameterName]; dup {
				return invalid("%s.Parameters[%d]: %s appears twice.", pf, j, kv.ParameterName)
			}
			params[kv.ParameterName] = kv.ParameterValue
		}
		var err error
		switch p.Type {
		case procLambda:
			def.Processor, err = c.lambda(params, pf)
		case procMetadata:
			if !partitioned {
				return invalid("%s: a MetadataExtraction processor needs DynamicPartitioningConfiguration.Enabled.", pf)
			}
			def.Destination.PartitionQueries, err = metadataQueries(params, pf)
		case procAppendDelimiter:
			err = onlyParams(params, pf)
		case procDeaggregation, procDecompression, procCloudWatch:
			var rp delivery.RecordProcessor
			if rp, err = recordProcessor(p.Type, params, pf); err == nil {
				def.Processors = append(def.Processors, rp)
			}
		default:
			return invalid("%s.Type %s is not supported by Sluice: use Lambda, MetadataExtraction, RecordDeAggregation, Decompression, CloudWatchLogProcessing or AppendDelimiterToRecord.", pf, p.Type)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lambda translates a Lambda processor's parameters.
func (c Config) lambda(params map[string]string, field string) (*delivery.Processor, error) {
	if err := onlyParams(params, field, paramLambdaArn, paramRetries, paramBufferSize, paramBufferInterval, paramRoleArn); err != nil {
		return nil, err
	}
	arn, ok := params[paramLambdaArn]
	if !ok {
		return nil, invalid("%s: the Lambda processor needs the parameter LambdaArn.", field)
	}
	ref, err := c.moduleOf(arn, field+".LambdaArn")
	if err != nil {
		return nil, err
	}
	p := &delivery.Processor{Module: ref}
	if v, ok := params[paramRetries]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > delivery.MaxRetries {
			return nil, invalid("%s: NumberOfRetries %q must be a whole number from 0 to %d.", field, v, delivery.MaxRetries)
		}
		p.Retries = &n
	}
	if v, ok := params[paramBufferSize]; ok {
		f, err := parseFloat(v)
		if err != nil || f < delivery.MinBatchMiB || f > delivery.MaxBatchMiB {
			return nil, invalid("%s: BufferSizeInMBs %q must be a number from %g to %g.", field, v, delivery.MinBatchMiB, delivery.MaxBatchMiB)
		}
		p.BatchMiB = f
	}
	if v, ok := params[paramBufferInterval]; ok {
		// Sluice hands the module each delivery batch as it closes, cut to
		// BufferSizeInMBs; the interval is checked and has no further effect.
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > delivery.MaxIntervalSeconds {
			return nil, invalid("%s: BufferIntervalInSeconds %q must be a whole number from 0 to %d.", field, v, delivery.MaxIntervalSeconds)
		}
	}
	return p, nil
}

// recordProcessor translates the parameters of a built-in record
// processor. Values are checked here as the API spells them; the delivery
// package checks the rest (a CloudWatchLogProcessing needs Decompression).
func recordProcessor(typ string, params map[string]string, field string) (delivery.RecordProcessor, error) {
	rp := delivery.RecordProcessor{Type: typ}
	switch typ {
	case procDecompression:
		if err := onlyParams(params, field, paramCompression); err != nil {
			return rp, err
		}
		if v, ok := params[paramCompression]; ok && v != "GZIP" {
			return rp, invalid("%s: CompressionFormat %q is not supported: use GZIP.", field, v)
		}
		rp.CompressionFormat = "GZIP"
	case procCloudWatch:
		if err := onlyParams(params, field, paramExtraction); err != nil {
			return rp, err
		}
		v, ok := params[paramExtraction]
		if !ok {
			return rp, invalid("%s: the CloudWatchLogProcessing processor needs the parameter DataMessageExtraction.", field)
		}
		b, err := strconv.ParseBool(v)
		if err != nil || !b {
			return rp, invalid("%s: DataMessageExtraction %q must be true (without message extraction, use Decompression alone).", field, v)
		}
		rp.DataMessageExtraction = &b
	case procDeaggregation:
		if err := onlyParams(params, field, paramSubRecordType, paramDelimiter); err != nil {
			return rp, err
		}
		rp.SubRecordType = params[paramSubRecordType]
		switch rp.SubRecordType {
		case delivery.SubRecordJSON, delivery.SubRecordDelimited:
		case "":
			return rp, invalid("%s: the RecordDeAggregation processor needs the parameter SubRecordType (JSON or DELIMITED).", field)
		default:
			return rp, invalid("%s: SubRecordType %q must be JSON or DELIMITED.", field, rp.SubRecordType)
		}
		if v, ok := params[paramDelimiter]; ok {
			d, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(d) == 0 {
				return rp, invalid("%s: Delimiter %q must be base64-encoded and not empty (#### is IyMjIw==).", field, v)
			}
			rp.Delimiter = string(d)
		}
	}
	return rp, nil
}

// metadataQueries splits a MetadataExtractionQuery, a jq object such as
// {customer: .customer_id, year: .ts | strftime("%Y")}, into one query per
// partition key.
func metadataQueries(params map[string]string, field string) (map[string]string, error) {
	if err := onlyParams(params, field, paramQuery, paramEngine); err != nil {
		return nil, err
	}
	if e, ok := params[paramEngine]; ok && e != "JQ-1.6" {
		return nil, invalid("%s: JsonParsingEngine %s is not supported: use JQ-1.6.", field, e)
	}
	src, ok := params[paramQuery]
	if !ok {
		return nil, invalid("%s: the MetadataExtraction processor needs the parameter MetadataExtractionQuery.", field)
	}
	q, err := gojq.Parse(src)
	if err != nil {
		return nil, invalid("%s: MetadataExtractionQuery %q is not a jq query: %v.", field, src, err)
	}
	if q.Term == nil || q.Term.Type != gojq.TermTypeObject || len(q.Term.SuffixList) > 0 || q.Left != nil || q.Right != nil {
		return nil, invalid("%s: MetadataExtractionQuery %q must be one jq object of partition keys, like {key: .field}.", field, src)
	}
	out := map[string]string{}
	for _, kv := range q.Term.Object.KeyVals {
		key := kv.Key
		if kv.KeyString != nil && kv.KeyString.Queries == nil {
			key = kv.KeyString.Str
		}
		if key == "" || kv.KeyQuery != nil || (kv.KeyString != nil && kv.KeyString.Queries != nil) {
			return nil, invalid("%s: MetadataExtractionQuery %q: every key must be a plain name.", field, src)
		}
		val := "." + key // {key} is short for {key: .key}
		if kv.Val != nil {
			val = kv.Val.String()
		}
		out[key] = val
	}
	if len(out) == 0 {
		return nil, invalid("%s: MetadataExtractionQuery %q names no partition key.", field, src)
	}
	return out, nil
}

// onlyParams refuses parameters other than the allowed ones.
func onlyParams(params map[string]string, field string, allowed ...string) error {
	names := make([]string, 0, len(params))
	for k := range params {
		if !slices.Contains(allowed, k) {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return invalid("%s: parameter %s is not supported by Sluice here.", field, strings.Join(names, ", "))
	}
	return nil
}

// describeRecordProcessor shows a built-in record processor as the API
// takes it.
func describeRecordProcessor(rp delivery.RecordProcessor) processor {
	out := processor{Type: rp.Type}
	param := func(name, value string) {
		out.Parameters = append(out.Parameters, processorParameter{ParameterName: name, ParameterValue: value})
	}
	switch rp.Type {
	case procDecompression:
		param(paramCompression, rp.CompressionFormat)
	case procCloudWatch:
		param(paramExtraction, "true")
	case procDeaggregation:
		param(paramSubRecordType, rp.SubRecordType)
		if rp.Delimiter != "" {
			param(paramDelimiter, base64.StdEncoding.EncodeToString([]byte(rp.Delimiter)))
		}
	}
	return out
}
