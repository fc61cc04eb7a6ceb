package kinesis

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/streams"
)

// Shard count of a stream created without ShardCount (what Kinesis gives
// an on-demand stream at first).
const defaultShardCount = 4

// Paging defaults and bounds, Kinesis's.
const (
	listStreamsDefault    = 100
	describeShardsDefault = 100
	listShardsDefault     = 1000
	listTagsDefault       = 50
	maxPage               = 10000
)

type empty struct{}

// createStream creates a stream with its tags and record size in its
// first definition, so a refused tag creates nothing.
func (a *api) createStream(ctx context.Context, in *createStreamInput) (*empty, error) {
	name := *in.StreamName
	mode := streams.ModeProvisioned
	if in.StreamModeDetails != nil {
		mode = *in.StreamModeDetails.StreamMode
	}
	opts := streams.CreateOptions{Tags: in.Tags.M, MaxRecordSizeKiB: intOr(in.MaxRecordSizeInKiB, 0)}
	if err := a.e.CreateStreamWith(ctx, name, intOr(in.ShardCount, defaultShardCount), opts); err != nil {
		return nil, err
	}
	if mode == streams.ModeOnDemand {
		if err := a.e.SetStreamMode(ctx, name, mode, nil); err != nil {
			return nil, err
		}
	}
	return &empty{}, nil
}

func (a *api) deleteStream(ctx context.Context, in *deleteStreamInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	if err := a.refuseWithConsumers(ctx, name, in.EnforceConsumerDeletion); err != nil {
		return nil, err
	}
	return &empty{}, a.e.DeleteStream(ctx, name)
}

func (a *api) listStreams(ctx context.Context, in *listStreamsInput) (*listStreamsOutput, error) {
	limit := intOr(in.Limit, listStreamsDefault)
	after := in.ExclusiveStartStreamName
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || streams.ValidateName(string(b)) != nil {
			return nil, awsjson.Errorf(InvalidArgument, "NextToken is invalid.")
		}
		after = string(b)
	}
	list, more, err := a.e.ListStreams(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := &listStreamsOutput{StreamNames: []string{}, StreamSummaries: []streamSummary{}, HasMoreStreams: more}
	for _, s := range list {
		out.StreamNames = append(out.StreamNames, s.Name)
		out.StreamSummaries = append(out.StreamSummaries, streamSummary{
			StreamName:              s.Name,
			StreamARN:               a.e.ARN(s.Name),
			StreamStatus:            string(s.Status),
			StreamModeDetails:       streamModeDetails{s.StreamMode()},
			StreamCreationTimestamp: awsjson.Time{Time: s.Created},
		})
	}
	if more {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(list[len(list)-1].Name))
	}
	return out, nil
}

func (a *api) describeStream(ctx context.Context, in *describeStreamInput) (*describeStreamOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	limit := intOr(in.Limit, describeShardsDefault)
	s, err := a.e.DescribeStream(ctx, name)
	if err != nil {
		return nil, err
	}
	shards, more := pageShards(s, s.Shards, in.ExclusiveStartShardId, limit)
	return &describeStreamOutput{StreamDescription: streamDescription{
		StreamName:              s.Name,
		StreamARN:               a.e.ARN(s.Name),
		StreamStatus:            string(s.Status),
		StreamModeDetails:       streamModeDetails{s.StreamMode()},
		Shards:                  shards,
		HasMoreShards:           more,
		RetentionPeriodHours:    s.RetentionHours,
		StreamCreationTimestamp: awsjson.Time{Time: s.Created},
		EnhancedMonitoring:      enhancedMonitoring(s),
		EncryptionType:          a.encryptionType(),
		KeyId:                   a.keyID(),
	}}, nil
}

func (a *api) describeStreamSummary(ctx context.Context, in *streamRef) (*describeStreamSummaryOutput, error) {
	name, err := a.name(*in)
	if err != nil {
		return nil, err
	}
	s, err := a.e.DescribeStream(ctx, name)
	if err != nil {
		return nil, err
	}
	return &describeStreamSummaryOutput{StreamDescriptionSummary: streamDescriptionSummary{
		StreamName:              s.Name,
		StreamARN:               a.e.ARN(s.Name),
		StreamStatus:            string(s.Status),
		StreamModeDetails:       streamModeDetails{s.StreamMode()},
		RetentionPeriodHours:    s.RetentionHours,
		StreamCreationTimestamp: awsjson.Time{Time: s.Created},
		EnhancedMonitoring:      enhancedMonitoring(s),
		EncryptionType:          a.encryptionType(),
		KeyId:                   a.keyID(),
		OpenShardCount:          s.OpenShards(),
		ConsumerCount:           a.consumerCount(ctx, s.Name),
		MaxRecordSizeInKiB:      s.RecordSizeKiB(),
	}}, nil
}

// listShardsToken is the content of a ListShards NextToken: the stream,
// the last shard returned and the filter of the first call.
type listShardsToken struct {
	Stream string               `json:"s"`
	ID     uint64               `json:"i"`
	After  string               `json:"a"`
	Filter *streams.ShardFilter `json:"f,omitempty"`
}

// ShardsTokenStream is the stream a ListShards NextToken pages through,
// as ListShards decodes it; host/auth checks a caller's permissions on
// that stream.
func ShardsTokenStream(token string) (string, error) {
	var tok listShardsToken
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(b, &tok); err != nil {
		return "", err
	}
	return tok.Stream, nil
}

func (a *api) listShards(ctx context.Context, in *listShardsInput) (*listShardsOutput, error) {
	limit := intOr(in.MaxResults, listShardsDefault)
	var tok listShardsToken
	if in.NextToken != "" {
		if in.StreamName != nil || in.ExclusiveStartShardId != "" || in.StreamCreationTimestamp != nil || in.ShardFilter != nil {
			return nil, awsjson.Errorf(InvalidArgument, "NextToken and StreamName, ExclusiveStartShardId, StreamCreationTimestamp or ShardFilter cannot be provided together.")
		}
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Stream == "" {
			return nil, awsjson.Errorf(InvalidArgument, "NextToken is invalid.")
		}
	} else {
		name, err := a.name(in.streamRef)
		if err != nil {
			return nil, err
		}
		tok = listShardsToken{Stream: name, After: in.ExclusiveStartShardId}
		if f := in.ShardFilter; f != nil {
			tok.Filter = &streams.ShardFilter{Type: f.Type, ShardID: f.ShardId}
			if f.Timestamp != nil {
				tok.Filter.Timestamp = &f.Timestamp.Time
			}
		}
	}
	s, err := a.e.DescribeStream(ctx, tok.Stream)
	if err != nil {
		return nil, err
	}
	if tok.ID != 0 && tok.ID != s.ID {
		return nil, awsjson.Errorf(InvalidArgument, "NextToken belongs to a stream that no longer exists.")
	}
	all := s.Shards
	if tok.Filter != nil {
		if all, err = a.e.FilterShards(s, *tok.Filter); err != nil {
			return nil, err
		}
	}
	shards, more := pageShards(s, all, tok.After, limit)
	out := &listShardsOutput{Shards: shards}
	if more {
		b, _ := json.Marshal(listShardsToken{Stream: s.Name, ID: s.ID, After: shards[len(shards)-1].ShardId, Filter: tok.Filter})
		out.NextToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return out, nil
}

// pageShards returns up to limit shards of s with ids after
// exclusiveStart.
func pageShards(s *streams.Stream, all []streams.Shard, exclusiveStart string, limit int) ([]shard, bool) {
	out := []shard{}
	for _, sh := range all {
		if exclusiveStart != "" && sh.ID <= exclusiveStart {
			continue
		}
		if len(out) == limit {
			return out, true
		}
		out = append(out, wireShard(s, sh))
	}
	return out, false
}

func wireShard(s *streams.Stream, sh streams.Shard) shard {
	w := shard{
		ShardId:               sh.ID,
		ParentShardId:         sh.ParentShardID,
		AdjacentParentShardId: sh.AdjacentParentShardID,
		HashKeyRange:          hashKeyRange{sh.StartingHashKey, sh.EndingHashKey},
		SequenceNumberRange:   sequenceNumberRange{StartingSequenceNumber: s.SequenceNumber(sh, sh.StartingSequence)},
	}
	if !sh.Open() {
		w.SequenceNumberRange.EndingSequenceNumber = s.SequenceNumber(sh, sh.EndingSequence)
	}
	return w
}

func (a *api) increaseRetention(ctx context.Context, in *retentionInput) (*empty, error) {
	return a.retention(ctx, in, true)
}

func (a *api) decreaseRetention(ctx context.Context, in *retentionInput) (*empty, error) {
	return a.retention(ctx, in, false)
}

func (a *api) retention(ctx context.Context, in *retentionInput, increase bool) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.SetRetention(ctx, name, int(*in.RetentionPeriodHours), increase)
}

func (a *api) addTags(ctx context.Context, in *addTagsInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.AddTags(ctx, name, in.Tags.M)
}

func (a *api) removeTags(ctx context.Context, in *removeTagsInput) (*empty, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	return &empty{}, a.e.RemoveTags(ctx, name, in.TagKeys)
}

func (a *api) listTags(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	tags, more, err := a.e.ListTags(ctx, name, deref(in.ExclusiveStartTagKey), intOr(in.Limit, listTagsDefault))
	if err != nil {
		return nil, err
	}
	out := &listTagsOutput{Tags: []tag{}, HasMoreTags: more}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{t.Key, t.Value})
	}
	return out, nil
}
