package kinesis

import (
	"context"

	"github.com/sluice-io/sluice/host/streams"
)

func (a *api) putRecord(ctx context.Context, in *putRecordInput) (*putRecordOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	res, err := a.e.PutRecord(ctx, name, streams.Record{
		Data: in.Data, PartitionKey: deref(in.PartitionKey), ExplicitHashKey: deref(in.ExplicitHashKey),
	}, deref(in.SequenceNumberForOrdering))
	if err != nil {
		return nil, err
	}
	return &putRecordOutput{ShardId: res.ShardID, SequenceNumber: res.SequenceNumber, EncryptionType: a.encryptionType()}, nil
}

func (a *api) putRecords(ctx context.Context, in *putRecordsInput) (*putRecordsOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	recs := make([]streams.Record, len(in.Records))
	for i, r := range in.Records {
		recs[i] = streams.Record{Data: r.Data, PartitionKey: deref(r.PartitionKey), ExplicitHashKey: deref(r.ExplicitHashKey)}
	}
	res, err := a.e.PutRecords(ctx, name, recs)
	if err != nil {
		return nil, err
	}
	out := &putRecordsOutput{Records: make([]putRecordsResultEntry, len(res)), EncryptionType: a.encryptionType()}
	for i, r := range res {
		if r.Err != nil {
			out.FailedRecordCount++
			code := errorName(r.Err)
			if code != ThroughputExceeded {
				code = InternalFailure
			}
			out.Records[i] = putRecordsResultEntry{ErrorCode: code, ErrorMessage: message(r.Err)}
			continue
		}
		out.Records[i] = putRecordsResultEntry{SequenceNumber: r.SequenceNumber, ShardId: r.ShardID}
	}
	return out, nil
}

func (a *api) getShardIterator(ctx context.Context, in *getShardIteratorInput) (*getShardIteratorOutput, error) {
	name, err := a.name(in.streamRef)
	if err != nil {
		return nil, err
	}
	req := streams.IteratorRequest{Type: *in.ShardIteratorType, StartingSequenceNumber: deref(in.StartingSequenceNumber)}
	if in.Timestamp != nil {
		req.Timestamp = &in.Timestamp.Time
	}
	tok, err := a.e.GetShardIterator(ctx, name, *in.ShardId, req)
	if err != nil {
		return nil, err
	}
	return &getShardIteratorOutput{ShardIterator: tok}, nil
}

func (a *api) getRecords(ctx context.Context, in *getRecordsInput) (*recordsAnswer, error) {
	res, err := a.e.GetRecords(ctx, *in.ShardIterator, intOr(in.Limit, streams.MaxGetLimit))
	if err != nil {
		return nil, err
	}
	return &recordsAnswer{res: res, encryption: a.keyEncryption()}, nil
}
