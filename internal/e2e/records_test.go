package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// baseTS is the ts of the first record (2026-01-01T00:00:00Z, in ms).
const baseTS = 1767225600000

// Kinds of records a test sends.
const (
	good     = iota
	notJSON  // fails the transform: ProcessingFailed
	mismatch // passes the transform, does not fit the schema: format-conversion-failed
)

// rec is one record a test sent and what became of the put.
type rec struct {
	kind int
	id   string // good records: "<key>-<n>"
	key  string // the partition key and the per-key counter's key
	n    int    // per-key counter, from 0
	i    int    // index among the good records
	data []byte
	// Set by the put: the record's position (direct-put RecordId or
	// Kinesis sequence number, both the source's JetStream sequence) and
	// its shard (data streams).
	seq   uint64
	shard string
	acked bool
	// uncertain: sent, but the put failed as a whole (the server was
	// killed); the record may be delivered once or not at all.
	uncertain bool
	// twice: once refused because its acknowledgement never came (the
	// put's deadline passed, as when a stream leader dies holding it),
	// then sent again: as on AWS, the first copy may be stored too.
	twice bool
}

// unacknowledged reports whether a refusal says the record's put timed
// out waiting for JetStream, so the record may be stored all the same.
func unacknowledged(msg *string) bool {
	return strings.Contains(aws.ToString(msg), "deadline exceeded")
}

// siteOf is the site of a key: every key maps to one site, so the
// records of a key stay in one partition.
func siteOf(key string) string {
	k, _ := strconv.Atoi(key[1:])
	return fmt.Sprintf("site-%d", k%4)
}

// makeRecords returns n good records spread over keys keys, with bad
// records of both kinds every badEvery records (none when badEvery is 0).
func makeRecords(n, keys, badEvery int) []*rec {
	var out []*rec
	counters := make([]int, keys)
	bad := 0
	for i := range n {
		if badEvery > 0 && i > 0 && i%badEvery == 0 {
			out = append(out,
				&rec{kind: notJSON, key: "bad", data: fmt.Appendf(nil, "not json %d", bad)},
				&rec{kind: mismatch, key: "bad", id: fmt.Sprintf("bad-%d", bad), data: fmt.Appendf(nil,
					`{"id":"bad-%d","key":"bad","n":"n%d","noise":1,"sensor":{"serial":"x","site":"site-0"},"ts":%d}`, bad, bad, baseTS)})
			bad++
		}
		k := i % keys
		c := counters[k]
		counters[k]++
		out = append(out, goodRecord(fmt.Sprintf("k%d", k), c, i))
	}
	return out
}

// goodRecord is the good record with counter c of key (a "k" and a
// number), index i among the good records.
func goodRecord(key string, c, i int) *rec {
	r := &rec{kind: good, key: key, n: c, i: i, id: fmt.Sprintf("%s-%06d", key, c)}
	r.data = fmt.Appendf(nil,
		`{"id":%q,"key":%q,"n":%d,"temp":%d.25,"ts":%d,"sensor":{"site":%q,"serial":"sn-%s"},"noise":"drop me"}`,
		r.id, key, c, i%100, baseTS+int64(i), siteOf(key), key)
	return r
}

// expectedTS is the ts column of a good record.
func (r *rec) ts() time.Time { return time.UnixMilli(baseTS + int64(r.i)).UTC() }

func (r *rec) temp() float64 { return float64(r.i%100) + 0.25 }

// sendDirect sends one PutRecordBatch: each record the server stored is
// marked acked with its RecordId; the records it refused are returned.
func sendDirect(ctx context.Context, c *firehose.Client, name string, batch []*rec) ([]*rec, error) {
	entries := make([]fhtypes.Record, len(batch))
	for i, r := range batch {
		entries[i] = fhtypes.Record{Data: r.data}
	}
	out, err := c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(name), Records: entries})
	if err != nil {
		return nil, fmt.Errorf("PutRecordBatch to %s: %w", name, err)
	}
	var refused []*rec
	for i, res := range out.RequestResponses {
		if res.ErrorCode != nil {
			batch[i].twice = batch[i].twice || unacknowledged(res.ErrorMessage)
			refused = append(refused, batch[i])
			continue
		}
		seq, err := strconv.ParseUint(aws.ToString(res.RecordId), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("RecordId %q: %w", aws.ToString(res.RecordId), err)
		}
		batch[i].seq, batch[i].acked = seq, true
	}
	return refused, nil
}

// sendStream sends one PutRecords, each record with its key as partition
// key: each record stored is marked acked with its sequence number and
// shard; the records refused are returned.
func sendStream(ctx context.Context, c *kinesis.Client, stream string, batch []*rec) ([]*rec, error) {
	entries := make([]kintypes.PutRecordsRequestEntry, len(batch))
	for i, r := range batch {
		entries[i] = kintypes.PutRecordsRequestEntry{Data: r.data, PartitionKey: aws.String(r.key)}
	}
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil {
		return nil, fmt.Errorf("PutRecords to %s: %w", stream, err)
	}
	var refused []*rec
	for i, res := range out.Records {
		if res.ErrorCode != nil {
			batch[i].twice = batch[i].twice || unacknowledged(res.ErrorMessage)
			refused = append(refused, batch[i])
			continue
		}
		// The record's position in its JetStream stream: a stream with
		// shard groups numbers it in 35 digits, its group's sequence last.
		num := aws.ToString(res.SequenceNumber)
		seq, err := strconv.ParseUint(num[max(0, len(num)-20):], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("SequenceNumber %q: %w", num, err)
		}
		batch[i].seq, batch[i].shard, batch[i].acked = seq, aws.ToString(res.ShardId), true
	}
	return refused, nil
}

// sender is sendDirect or sendStream bound to a client and a name.
type sender func(ctx context.Context, batch []*rec) ([]*rec, error)

func directSender(c *firehose.Client, name string) sender {
	return func(ctx context.Context, b []*rec) ([]*rec, error) { return sendDirect(ctx, c, name, b) }
}

func streamSender(c *kinesis.Client, stream string) sender {
	return func(ctx context.Context, b []*rec) ([]*rec, error) { return sendStream(ctx, c, stream, b) }
}

// putAll sends records 500 at a time, resending the records the server
// refused (throttling) until every one is acknowledged; a resent record
// lands after the ones sent with it.
func putAll(t testing.TB, send sender, recs []*rec) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < len(recs); start += 500 {
		pending := recs[start:min(start+500, len(recs))]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 50 {
				t.Fatalf("%d records still refused after %d attempts", len(pending), attempt)
			}
			if attempt > 0 {
				time.Sleep(50 * time.Millisecond)
			}
			var err error
			pending, err = send(ctx, pending)
			mustf(t, err, "put")
		}
	}
}

// lastSeq is the highest position of the acknowledged records.
func lastSeq(recs []*rec) uint64 {
	var m uint64
	for _, r := range recs {
		if r.acked && r.seq > m {
			m = r.seq
		}
	}
	return m
}
