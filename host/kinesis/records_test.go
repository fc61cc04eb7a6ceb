package kinesis

import (
	"context"
	"crypto/md5"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// shardFor finds the shard whose hash range holds the MD5 of key.
func shardFor(t *testing.T, shards []types.Shard, key string) string {
	sum := md5.Sum([]byte(key))
	h := new(big.Int).SetBytes(sum[:])
	for _, s := range shards {
		lo, _ := new(big.Int).SetString(*s.HashKeyRange.StartingHashKey, 10)
		hi, _ := new(big.Int).SetString(*s.HashKeyRange.EndingHashKey, 10)
		if lo.Cmp(h) <= 0 && h.Cmp(hi) <= 0 {
			return *s.ShardId
		}
	}
	t.Fatalf("no shard holds %s", key)
	return ""
}

func TestPutRecordsThenReadEveryShard(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "orders", 4)
	const keys, total, batch = 100, 10000, 500

	counter := make([]int, keys)
	for b := 0; b < total/batch; b++ {
		in := &awskinesis.PutRecordsInput{StreamName: aws.String("orders")}
		for i := 0; i < batch; i++ {
			k := (b*batch + i*7) % keys
			in.Records = append(in.Records, types.PutRecordsRequestEntry{
				PartitionKey: aws.String(fmt.Sprintf("key-%d", k)),
				Data:         []byte(fmt.Sprintf("%d:%d", k, counter[k])),
			})
			counter[k]++
		}
		out, err := e.client.PutRecords(ctx, in)
		if err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
		if aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != batch {
			t.Fatalf("batch %d: %d failed, %d results", b, aws.ToInt32(out.FailedRecordCount), len(out.Records))
		}
		for i, r := range out.Records {
			if *r.ShardId != shardFor(t, e.shardsOf(t, "orders")[:4], *in.Records[i].PartitionKey) {
				t.Fatalf("put result %d in shard %s, MD5 says otherwise", i, *r.ShardId)
			}
			if i > 0 { // only check a few per batch: shardsOf is a call
				break
			}
		}
	}

	shards := e.shardsOf(t, "orders")
	if len(shards) != 4 {
		t.Fatalf("%d shards", len(shards))
	}
	next := make([]int, keys)
	seen := 0
	for _, s := range shards {
		recs := e.readAll(t, e.iterator(t, "orders", *s.ShardId, types.ShardIteratorTypeTrimHorizon, nil, nil), 0)
		prevSeq := ""
		for _, r := range recs {
			k, n, _ := strings.Cut(string(r.Data), ":")
			ki, _ := strconv.Atoi(k)
			ni, _ := strconv.Atoi(n)
			if *r.PartitionKey != "key-"+k {
				t.Fatalf("record %q has partition key %q", r.Data, *r.PartitionKey)
			}
			if want := shardFor(t, shards, *r.PartitionKey); want != *s.ShardId {
				t.Fatalf("key %s found in %s, MD5 names %s", *r.PartitionKey, *s.ShardId, want)
			}
			if ni != next[ki] {
				t.Fatalf("key %s: record %d where %d was due (order or duplicate)", *r.PartitionKey, ni, next[ki])
			}
			next[ki]++
			if len(*r.SequenceNumber) != 20 || *r.SequenceNumber <= prevSeq {
				t.Fatalf("sequence %q after %q", *r.SequenceNumber, prevSeq)
			}
			prevSeq = *r.SequenceNumber
			if r.ApproximateArrivalTimestamp == nil || time.Since(*r.ApproximateArrivalTimestamp) > time.Hour {
				t.Fatalf("arrival timestamp %v", r.ApproximateArrivalTimestamp)
			}
			seen++
		}
	}
	if seen != total {
		t.Fatalf("read %d records, put %d", seen, total)
	}
	for k := range keys {
		if next[k] != counter[k] {
			t.Fatalf("key %d: read %d of %d", k, next[k], counter[k])
		}
	}
}

func TestIteratorTypes(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "it", 2)
	low, high := "shardId-000000000000", "shardId-000000000001"
	put := func(data, ehk string) (string, time.Time) {
		t.Helper()
		out, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("it"), PartitionKey: aws.String("p"), Data: []byte(data), ExplicitHashKey: aws.String(ehk)})
		if err != nil {
			t.Fatal(err)
		}
		// Find its arrival time as the API reports it.
		it := e.iterator(t, "it", *out.ShardId, types.ShardIteratorTypeAtSequenceNumber, out.SequenceNumber, nil)
		res, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(1)})
		if err != nil || len(res.Records) != 1 || string(res.Records[0].Data) != data {
			t.Fatalf("read back %s: %v %v", data, res, err)
		}
		// Keep arrival times in distinct milliseconds, so AT_TIMESTAMP
		// boundaries are exact at the API's millisecond precision.
		time.Sleep(3 * time.Millisecond)
		return *out.SequenceNumber, *res.Records[0].ApproximateArrivalTimestamp
	}
	seqA, tsA := put("A", "0")
	seqB, tsB := put("B", "0")
	seqOther, _ := put("X", "340282366920938463463374607431768211455")
	seqC, tsC := put("C", "0")
	_ = tsA

	data := func(recs []types.Record) string {
		var b strings.Builder
		for _, r := range recs {
			b.Write(r.Data)
		}
		return string(b.String())
	}
	latest := e.iterator(t, "it", low, types.ShardIteratorTypeLatest, nil, nil)
	cases := []struct {
		name string
		typ  types.ShardIteratorType
		seq  *string
		ts   *time.Time
		want string
	}{
		{"trim horizon", types.ShardIteratorTypeTrimHorizon, nil, nil, "ABC"},
		{"at A", types.ShardIteratorTypeAtSequenceNumber, &seqA, nil, "ABC"},
		{"at B", types.ShardIteratorTypeAtSequenceNumber, &seqB, nil, "BC"},
		{"after A", types.ShardIteratorTypeAfterSequenceNumber, &seqA, nil, "BC"},
		{"after B", types.ShardIteratorTypeAfterSequenceNumber, &seqB, nil, "C"},
		{"after C (last)", types.ShardIteratorTypeAfterSequenceNumber, &seqC, nil, ""},
		{"at C (last)", types.ShardIteratorTypeAtSequenceNumber, &seqC, nil, "C"},
		{"at time of B", types.ShardIteratorTypeAtTimestamp, nil, aws.Time(tsB), "BC"},
		{"1ms after B", types.ShardIteratorTypeAtTimestamp, nil, aws.Time(tsB.Add(time.Millisecond)), "C"},
		{"at time of C", types.ShardIteratorTypeAtTimestamp, nil, aws.Time(tsC), "C"},
		{"1ms after C", types.ShardIteratorTypeAtTimestamp, nil, aws.Time(tsC.Add(time.Millisecond)), ""},
		{"long before", types.ShardIteratorTypeAtTimestamp, nil, aws.Time(tsA.Add(-time.Hour)), "ABC"},
		{"latest", types.ShardIteratorTypeLatest, nil, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := data(e.readAll(t, e.iterator(t, "it", low, c.typ, c.seq, c.ts), 0))
			if got != c.want {
				t.Fatalf("read %q, want %q", got, c.want)
			}
		})
	}

	// LATEST taken before D sees D and only D; so does a future timestamp.
	future := e.iterator(t, "it", low, types.ShardIteratorTypeAtTimestamp, nil, aws.Time(time.Now().Add(-time.Millisecond)))
	if _, err := e.client.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("it"), PartitionKey: aws.String("p"), Data: []byte("D"), ExplicitHashKey: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	if got := data(e.readAll(t, latest, 0)); got != "D" {
		t.Fatalf("LATEST then put D: read %q", got)
	}
	if got := data(e.readAll(t, future, 0)); got != "D" {
		t.Fatalf("AT_TIMESTAMP now then put D: read %q", got)
	}

	// Limit pages through a shard.
	it := e.iterator(t, "it", low, types.ShardIteratorTypeTrimHorizon, nil, nil)
	res, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(2)})
	if err != nil || data(res.Records) != "AB" || aws.ToInt64(res.MillisBehindLatest) < 0 {
		t.Fatalf("limit 2: %q %v", data(res.Records), err)
	}
	if got := data(e.readAll(t, *res.NextShardIterator, 1)); got != "CD" {
		t.Fatalf("rest with limit 1: %q", got)
	}

	// A sequence number from the other shard, or beyond the end, is
	// refused; one that is not a number breaks the member's pattern.
	for seq, want := range map[string]string{seqOther: InvalidArgument, "99999999999999999999": InvalidArgument, "abc": Validation} {
		_, err := e.client.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("it"), ShardId: aws.String(low),
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seq)})
		if errorCode(err) != want {
			t.Errorf("sequence %s on the wrong shard: %v, want %s", seq, err, want)
		}
	}
	if got := data(e.readAll(t, e.iterator(t, "it", high, types.ShardIteratorTypeAtSequenceNumber, &seqOther, nil), 0)); got != "X" {
		t.Fatalf("other shard: %q", got)
	}
}

func TestIteratorExpiryAndIdentity(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "exp", 1)
	shard := "shardId-000000000000"
	it := e.iterator(t, "exp", shard, types.ShardIteratorTypeTrimHorizon, nil, nil)

	e.clock.Advance(4 * time.Minute)
	res, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)})
	if err != nil {
		t.Fatalf("4 minutes old: %v", err)
	}
	fresh := *res.NextShardIterator
	e.clock.Advance(90 * time.Second) // the first is now 5.5 minutes old
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(it)}); errorCode(err) != ExpiredIterator {
		t.Fatalf("5.5 minutes old: %v, want %s", err, ExpiredIterator)
	}
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(fresh)}); err != nil {
		t.Fatalf("next iterator 1.5 minutes old: %v", err)
	}

	for _, bad := range []string{"garbage", fresh[:len(fresh)-8] + "AAAAAAAA", "AAAA"} {
		if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(bad)}); errorCode(err) != InvalidArgument {
			t.Errorf("garbled %q: %v", bad, err)
		}
	}

	// Delete and re-create: the old iterator names a stream that is gone.
	if _, err := e.client.DeleteStream(ctx, &awskinesis.DeleteStreamInput{StreamName: aws.String("exp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(fresh)}); errorCode(err) != ResourceNotFound {
		t.Fatalf("iterator of a deleted stream: %v", err)
	}
	e.createStream(t, "exp", 1)
	if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: aws.String(fresh)}); errorCode(err) != ResourceNotFound {
		t.Fatalf("iterator of a re-created stream: %v", err)
	}
}

// TestConcurrentProducersAndReaders hammers one stream from several
// goroutines (run with -race).
func TestConcurrentProducersAndReaders(t *testing.T) {
	ctx := context.Background()
	e := start(t, "")
	e.createStream(t, "busy", 3)
	const producers, batches, size = 4, 5, 100
	var wg sync.WaitGroup
	errs := make(chan error, producers*batches+8)
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				in := &awskinesis.PutRecordsInput{StreamName: aws.String("busy")}
				for i := range size {
					in.Records = append(in.Records, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("p%d-%d", p, i%10)), Data: []byte(fmt.Sprintf("%d-%d-%d", p, b, i))})
				}
				out, err := e.client.PutRecords(ctx, in)
				if err == nil && aws.ToInt32(out.FailedRecordCount) != 0 {
					err = fmt.Errorf("%d records failed", aws.ToInt32(out.FailedRecordCount))
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	// Readers poll all shards while producers write.
	stop := make(chan struct{})
	var rwg sync.WaitGroup
	for range 2 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, s := range []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"} {
					it, err := e.client.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("busy"), ShardId: aws.String(s), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
					if err != nil {
						errs <- err
						return
					}
					if _, err := e.client.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: it.ShardIterator}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for _, s := range e.shardsOf(t, "busy") {
		total += len(e.readAll(t, e.iterator(t, "busy", *s.ShardId, types.ShardIteratorTypeTrimHorizon, nil, nil), 0))
	}
	if total != producers*batches*size {
		t.Fatalf("read %d records, put %d", total, producers*batches*size)
	}
}
