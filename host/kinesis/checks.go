package kinesis

import (
	"strconv"

	"github.com/sluice-io/sluice/host/streams"
)

// The members each operation's input checks before it runs, with the
// constraints of AWS's API model, reported together (see violations). As
// AWS orders them, an operation's own members come first and the stream's
// names last. Rules that need the stream (its shards, its record size) are
// the engine's.

var (
	_ validator = (*createStreamInput)(nil)
	_ validator = (*putRecordsInput)(nil)
)

func (in *createStreamInput) validate(v *violations) {
	v.num("shardCount", in.ShardCount, false, 1, 0)
	if in.StreamModeDetails != nil {
		v.enum("streamModeDetails.streamMode", in.StreamModeDetails.StreamMode, true, streams.ModeProvisioned, streams.ModeOnDemand)
	}
	v.tags("tags", in.Tags.M, in.Tags.Set, false)
	v.num("maxRecordSizeInKiB", in.MaxRecordSizeInKiB, false, streams.MinRecordSizeKiB, streams.MaxRecordSizeKiB)
	v.str("streamName", in.StreamName, true, 1, streams.MaxNameLen, patternName)
}

func (in *deleteStreamInput) validate(v *violations) { v.stream(in.streamRef) }

func (in *listStreamsInput) validate(v *violations) {
	v.num("limit", in.Limit, false, 1, maxListLimit)
	if in.ExclusiveStartStreamName != "" {
		v.str("exclusiveStartStreamName", &in.ExclusiveStartStreamName, false, 1, streams.MaxNameLen, patternName)
	}
	if len(in.NextToken) > maxNextTokenLen {
		v.str("nextToken", &in.NextToken, false, 1, maxNextTokenLen, "")
	}
}

func (in *describeStreamInput) validate(v *violations) {
	v.num("limit", in.Limit, false, 1, maxListLimit)
	if in.ExclusiveStartShardId != "" {
		v.shardID("exclusiveStartShardId", &in.ExclusiveStartShardId, false)
	}
	v.stream(in.streamRef)
}

func (in *streamRef) validate(v *violations) { v.stream(*in) }

func (in *listShardsInput) validate(v *violations) {
	v.num("maxResults", in.MaxResults, false, 1, maxListLimit)
	if in.ExclusiveStartShardId != "" {
		v.shardID("exclusiveStartShardId", &in.ExclusiveStartShardId, false)
	}
	if f := in.ShardFilter; f != nil {
		if f.Type == "" {
			v.required("shardFilter.type", false)
		}
		if f.ShardId != "" {
			v.shardID("shardFilter.shardId", &f.ShardId, false)
		}
	}
	v.stream(in.streamRef)
}

func (in *putRecordInput) validate(v *violations) {
	v.record("", in.Data, in.PartitionKey, in.ExplicitHashKey)
	v.str("sequenceNumberForOrdering", in.SequenceNumberForOrdering, false, 0, 0, patternSequence)
	v.stream(in.streamRef)
}

func (in *putRecordsInput) validate(v *violations) {
	if in.Records == nil {
		v.required("records", false)
	} else if n := len(in.Records); n < 1 || n > streams.MaxPutRecords {
		shown := "[" + strconv.Itoa(n) + " records]"
		if n < 1 {
			v.addValue("[]", "records", "Member must have length greater than or equal to 1")
		} else {
			v.addValue(shown, "records", "Member must have length less than or equal to "+strconv.Itoa(streams.MaxPutRecords))
		}
	}
	for i, r := range in.Records {
		v.record("records."+strconv.Itoa(i+1)+".member.", r.Data, r.PartitionKey, r.ExplicitHashKey)
	}
	v.stream(in.streamRef)
}

func (in *getShardIteratorInput) validate(v *violations) {
	v.shardID("shardId", in.ShardId, true)
	v.enum("shardIteratorType", in.ShardIteratorType, true,
		streams.AtSequenceNumber, streams.AfterSequenceNumber, streams.TrimHorizon, streams.Latest, streams.AtTimestamp)
	v.str("startingSequenceNumber", in.StartingSequenceNumber, false, 0, 0, patternSequence)
	v.stream(in.streamRef)
}

func (in *getRecordsInput) validate(v *violations) {
	v.str("shardIterator", in.ShardIterator, true, 1, maxIteratorLen, "")
	v.num("limit", in.Limit, false, 1, streams.MaxGetLimit)
	v.str("streamARN", in.StreamARN, false, 1, maxARNLen, patternStreamARN)
}

func (in *retentionInput) validate(v *violations) {
	v.num("retentionPeriodHours", in.RetentionPeriodHours, true, 1, streams.MaxRetentionHours)
	v.stream(in.streamRef)
}

func (in *addTagsInput) validate(v *violations) {
	v.tags("tags", in.Tags.M, in.Tags.Set, true)
	v.stream(in.streamRef)
}

func (in *removeTagsInput) validate(v *violations) {
	v.tagKeys(in.TagKeys)
	v.stream(in.streamRef)
}

func (in *listTagsInput) validate(v *violations) {
	v.str("exclusiveStartTagKey", in.ExclusiveStartTagKey, false, 1, streams.MaxTagKeyLen, "")
	v.num("limit", in.Limit, false, 1, listTagsDefault)
	v.stream(in.streamRef)
}

func (in *splitShardInput) validate(v *violations) {
	v.shardID("shardToSplit", in.ShardToSplit, true)
	v.str("newStartingHashKey", in.NewStartingHashKey, true, 0, 0, patternHashKey)
	v.stream(in.streamRef)
}

func (in *mergeShardsInput) validate(v *violations) {
	v.shardID("shardToMerge", in.ShardToMerge, true)
	v.shardID("adjacentShardToMerge", in.AdjacentShardToMerge, true)
	v.stream(in.streamRef)
}

func (in *updateShardCountInput) validate(v *violations) {
	v.num("targetShardCount", in.TargetShardCount, true, 1, 0)
	v.enum("scalingType", in.ScalingType, true, "UNIFORM_SCALING")
	v.stream(in.streamRef)
}
