package kinesis

import "github.com/sluice-io/sluice/host/streams"

// The members of the enhanced fan-out operations, checked as AWS's
// validation layer checks them (the API model's lengths and patterns);
// a consumer ARN's form is then ParseConsumerARN's check.

// opt is a string member that is absent when empty.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (in *registerConsumerInput) validate(v *violations) {
	v.str("streamARN", opt(in.StreamARN), true, 1, maxARNLen, patternStreamARN)
	v.str("consumerName", opt(in.ConsumerName), true, 1, streams.MaxConsumerNameLen, patternName)
	v.tags("tags", in.Tags, in.Tags != nil, false)
}

func (in *consumerRefInput) validate(v *violations) {
	v.str("streamARN", opt(in.StreamARN), false, 1, maxARNLen, patternStreamARN)
	v.str("consumerName", opt(in.ConsumerName), false, 1, streams.MaxConsumerNameLen, patternName)
	v.str("consumerARN", opt(in.ConsumerARN), false, 1, streams.MaxConsumerARNLen, "")
}

func (in *listConsumersInput) validate(v *violations) {
	v.str("streamARN", opt(in.StreamARN), true, 1, maxARNLen, patternStreamARN)
	v.str("nextToken", opt(in.NextToken), false, 1, maxNextTokenLen, "")
	v.num("maxResults", in.MaxResults, false, 1, maxPage)
}

func (in *subscribeInput) validate(v *violations) {
	v.str("consumerARN", opt(in.ConsumerARN), true, 1, streams.MaxConsumerARNLen, "")
	v.shardID("shardId", opt(in.ShardId), true)
	v.required("startingPosition", in.StartingPosition != nil)
	if p := in.StartingPosition; p != nil {
		v.enum("startingPosition.type", opt(p.Type), true, streams.AtSequenceNumber, streams.AfterSequenceNumber, streams.TrimHorizon, streams.Latest, streams.AtTimestamp)
		v.str("startingPosition.sequenceNumber", opt(p.SequenceNumber), false, 0, 0, patternSequence)
	}
}
