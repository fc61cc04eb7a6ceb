package kinesisdest

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Batch is the records of one delivery and how to retry them.
type Batch struct {
	Records []Record
	// RetryFor bounds how long records the destination refuses for now
	// (throttling: per-record ProvisionedThroughputExceededException or
	// InternalFailure, a call answered 4xx with a throttling code) are
	// tried again, counted from the first such answer; then they fail
	// with ErrRetriesExhausted. 0 means one attempt. A destination that
	// does not answer, or answers with a server error (5xx), is tried
	// again for as long as ctx lasts and Wait agrees: that is an outage,
	// and the records wait in the caller's source meanwhile.
	RetryFor time.Duration
	// OnRetry, when set, is told of each failed call (or call with
	// failed records) before the records are tried again.
	OnRetry func(*CallError)
	// Wait waits d between attempts; false stops Deliver with ErrStopped
	// (or ctx's error). Nil waits on a timer, stopping when ctx ends.
	Wait func(ctx context.Context, d time.Duration) bool
}

// Deliver puts every record of b, in calls within AWS's limits
// (MaxCallRecords, MaxKinesisCallBytes or MaxFirehoseCallBytes), trying
// again only the records that failed, with backoff (the Client's initial
// wait doubling to its cap). It returns one entry per record: nil when
// the destination accepted it, else a *RecordError saying why it never
// will (a refusal, the retry duration exhausted, a record too large or
// with a bad partition key). err is not nil only when ctx ended or Wait
// said stop: then results is nil and records may or may not have been
// accepted (at least once: sending the batch again may duplicate some).
func (c *Client) Deliver(ctx context.Context, b Batch) (results []error, err error) {
	n := len(b.Records)
	results = make([]error, n)
	attempts := make([]int, n)
	pending := make([]int, 0, n)
	for i := range b.Records {
		if e := c.checkRecord(&b.Records[i]); e != nil {
			results[i] = e
			continue
		}
		pending = append(pending, i)
	}
	wait := b.Wait
	if wait == nil {
		wait = sleep
	}
	backoff := c.initial
	var throttledSince time.Time
	for len(pending) > 0 {
		type retry struct {
			i          int
			code, msg  string
			throttling bool
		}
		var again []retry
		var lastErr *CallError
		for _, call := range c.calls(b.Records, pending) {
			for _, i := range call {
				attempts[i]++
			}
			outcome, cerr, cls := c.put(ctx, b.Records, call)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if cerr != nil {
				lastErr = cerr
				for _, i := range call {
					switch cls {
					case refused:
						results[i] = &RecordError{Code: codeOf(cerr), Message: callMessage(cerr), Attempts: attempts[i]}
					default:
						again = append(again, retry{i, codeOf(cerr), callMessage(cerr), cls == throttled})
					}
				}
				continue
			}
			failed := 0
			for j, i := range call {
				o := outcome[j]
				if o.code == "" {
					continue
				}
				if classifyRecord(o.code) == refused {
					results[i] = &RecordError{Code: o.code, Message: o.msg, Attempts: attempts[i]}
					continue
				}
				failed++
				again = append(again, retry{i, o.code, o.msg, true})
			}
			if failed > 0 {
				lastErr = &CallError{Dest: c.String(), Code: outcome.firstCode(), StatusCode: 200, Records: len(call), Failed: failed}
			}
		}
		if len(again) == 0 {
			break
		}
		now := time.Now()
		anyThrottled := false
		for _, r := range again {
			anyThrottled = anyThrottled || r.throttling
		}
		if anyThrottled && throttledSince.IsZero() {
			throttledSince = now
		}
		remaining := b.RetryFor - now.Sub(throttledSince)
		pending = pending[:0]
		for _, r := range again {
			if r.throttling && remaining <= 0 {
				results[r.i] = &RecordError{Code: r.code, Message: r.msg, Attempts: attempts[r.i], exhausted: true}
				continue
			}
			pending = append(pending, r.i)
		}
		if len(pending) == 0 {
			break
		}
		if b.OnRetry != nil && lastErr != nil {
			b.OnRetry(lastErr)
		}
		d := backoff
		if remaining > 0 && remaining < d {
			d = remaining
		}
		if !wait(ctx, d) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, ErrStopped
		}
		backoff = min(backoff*2, c.max)
	}
	return results, nil
}

func codeOf(e *CallError) string {
	if e.Code != "" {
		return e.Code
	}
	if e.StatusCode != 0 {
		return fmt.Sprintf("HTTP%d", e.StatusCode)
	}
	return "NoAnswer"
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// checkRecord refuses, before any call, a record the API cannot take.
func (c *Client) checkRecord(r *Record) *RecordError {
	if c.cfg.Kind == Firehose {
		if len(r.Data) > MaxFirehoseRecordBytes {
			return &RecordError{Code: "RecordTooLarge", Message: fmt.Sprintf("record is %d bytes; PutRecordBatch takes at most %d (1,000 KiB)", len(r.Data), MaxFirehoseRecordBytes)}
		}
		return nil
	}
	if err := CheckPartitionKey(r.PartitionKey); err != nil {
		return &RecordError{Code: "InvalidPartitionKey", Message: err.Error()}
	}
	if n := len(r.Data) + len(r.PartitionKey); n > MaxKinesisRecordBytes {
		return &RecordError{Code: "RecordTooLarge", Message: fmt.Sprintf("record is %d bytes with its partition key; PutRecords takes at most %d (1 MiB)", n, MaxKinesisRecordBytes)}
	}
	return nil
}

// size is what a record counts toward a call's byte limit.
func (c *Client) size(r *Record) int {
	if c.cfg.Kind == Firehose {
		return len(r.Data)
	}
	return len(r.Data) + len(r.PartitionKey)
}

// calls splits the pending records (indexes into recs, in order) into
// calls within the limits.
func (c *Client) calls(recs []Record, pending []int) [][]int {
	limit := MaxKinesisCallBytes
	if c.cfg.Kind == Firehose {
		limit = MaxFirehoseCallBytes
	}
	var out [][]int
	var cur []int
	size := 0
	for _, i := range pending {
		s := c.size(&recs[i])
		if len(cur) > 0 && (len(cur) == MaxCallRecords || size+s > limit) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += s
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// result is one record's answer in a successful call: "" accepted.
type result struct{ code, msg string }

type outcomes []result

func (o outcomes) firstCode() string {
	for _, r := range o {
		if r.code != "" {
			return r.code
		}
	}
	return ""
}

// put makes one call with the records at idx. A call that failed as a
// whole is a *CallError with its class; a call that succeeded answers each
// record.
func (c *Client) put(ctx context.Context, recs []Record, idx []int) (outcomes, *CallError, class) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	out := make(outcomes, len(idx))
	if c.cfg.Kind == Firehose {
		in := &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(c.name), Records: make([]fhtypes.Record, len(idx))}
		for j, i := range idx {
			in.Records[j].Data = recs[i].Data
		}
		ans, err := c.firehose.PutRecordBatch(ctx, in)
		if err != nil {
			e, cls := classifyCall(ctx, c.String(), err, len(idx))
			return nil, e, cls
		}
		if len(ans.RequestResponses) != len(idx) {
			return nil, badAnswer(c, len(idx), len(ans.RequestResponses)), down
		}
		for j, r := range ans.RequestResponses {
			out[j] = result{aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)}
		}
		return out, nil, 0
	}
	in := &kinesis.PutRecordsInput{StreamName: aws.String(c.name), Records: make([]kintypes.PutRecordsRequestEntry, len(idx))}
	for j, i := range idx {
		r := &recs[i]
		e := &in.Records[j]
		e.Data, e.PartitionKey = r.Data, aws.String(r.PartitionKey)
		if r.ExplicitHashKey != "" {
			e.ExplicitHashKey = aws.String(r.ExplicitHashKey)
		}
	}
	ans, err := c.kinesis.PutRecords(ctx, in)
	if err != nil {
		e, cls := classifyCall(ctx, c.String(), err, len(idx))
		return nil, e, cls
	}
	if len(ans.Records) != len(idx) {
		return nil, badAnswer(c, len(idx), len(ans.Records)), down
	}
	for j, r := range ans.Records {
		out[j] = result{aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)}
	}
	return out, nil, 0
}

// badAnswer: an answer with a result count that is not the request's
// record count cannot say which records were taken; the whole call is
// tried again (at least once).
func badAnswer(c *Client, sent, got int) *CallError {
	return &CallError{Dest: c.String(), StatusCode: 200, Records: sent, Failed: sent,
		Err: fmt.Errorf("answer has %d results for %d records", got, sent)}
}
