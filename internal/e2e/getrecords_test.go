package e2e

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// readStream reads every record of a data stream with GetRecords, as a
// consumer would: every shard from TRIM_HORIZON, parents before children.
// An open shard is read until GetRecords answers nothing, nothing is
// behind, and the reader has passed until[shard] (the last position a
// producer was given on it), or nothing new came for waitLimit.
func readStream(t testing.TB, kc *kinesis.Client, stream string, until map[string]uint64) []storedRecord {
	t.Helper()
	ctx := context.Background()
	var shards []kintypes.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		out, err := kc.ListShards(ctx, in)
		mustf(t, err, "ListShards %s", stream)
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	var recs []storedRecord
	for _, id := range parentsFirst(shards) {
		recs = append(recs, readShard(t, kc, stream, id, until[id])...)
	}
	return recs
}

// parentsFirst orders shards so that every shard comes after its parents.
func parentsFirst(shards []kintypes.Shard) []string {
	known := map[string]bool{}
	for _, s := range shards {
		known[aws.ToString(s.ShardId)] = true
	}
	done := map[string]bool{}
	var order []string
	for len(order) < len(shards) {
		progress := false
		for _, s := range shards {
			id := aws.ToString(s.ShardId)
			if done[id] {
				continue
			}
			ready := true
			for _, parent := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
				if p := aws.ToString(parent); p != "" && known[p] && !done[p] {
					ready = false
				}
			}
			if ready {
				done[id], progress = true, true
				order = append(order, id)
			}
		}
		if !progress { // a cycle cannot happen; do not loop on one
			break
		}
	}
	return order
}

// readShard reads one shard from TRIM_HORIZON to its end (closed) or its
// tip (open, at or past until).
func readShard(t testing.TB, kc *kinesis.Client, stream, shard string, until uint64) []storedRecord {
	t.Helper()
	ctx := context.Background()
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: kintypes.ShardIteratorTypeTrimHorizon,
	})
	mustf(t, err, "GetShardIterator %s", shard)
	iter := it.ShardIterator
	var recs []storedRecord
	var last uint64
	deadline := time.Now().Add(waitLimit)
	for iter != nil {
		out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		var throttled *kintypes.ProvisionedThroughputExceededException
		if errors.As(err, &throttled) {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		mustf(t, err, "GetRecords %s after %d records", shard, len(recs))
		for _, r := range out.Records {
			seq, err := strconv.ParseUint(aws.ToString(r.SequenceNumber), 10, 64)
			mustf(t, err, "%s: sequence number %q", shard, aws.ToString(r.SequenceNumber))
			recs = append(recs, storedRecord{shard: shard, seq: seq, pkey: aws.ToString(r.PartitionKey), data: r.Data})
			last = seq
		}
		if len(out.Records) > 0 {
			deadline = time.Now().Add(waitLimit)
		} else if aws.ToInt64(out.MillisBehindLatest) == 0 && last >= until {
			break
		} else {
			time.Sleep(50 * time.Millisecond)
		}
		if time.Now().After(deadline) { // the check says which records are missing
			t.Logf("GetRecords %s: nothing new for %v at position %d, short of %d", shard, waitLimit, last, until)
			break
		}
		iter = out.NextShardIterator
	}
	return recs
}
