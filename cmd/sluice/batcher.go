package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// putAttempts is how many times a batch's failed records are sent.
const putAttempts = 5

// lineBatcher sends the lines of a reader as records in batched put
// requests (PutRecords, PutRecordBatch), within the API's limits.
type lineBatcher[R any] struct {
	// maxRecord, maxRecords and maxBytes are the API's limits on one
	// record's data, and on a batch's records and bytes.
	maxRecord, maxRecords, maxBytes int
	// limitText says maxRecord to a person ("1 MiB").
	limitText string
	// target names where the records go, for the summary line.
	target string
	// record makes a request entry of a line and says its size toward
	// maxBytes.
	record func(data []byte) (R, int)
	// put sends a batch once and returns, for each record, "" or why it
	// was refused.
	put func(ctx context.Context, batch []R) ([]string, error)
}

// run sends every line of r and then says how many records were sent.
func (b lineBatcher[R]) run(ctx context.Context, c *cli, r io.Reader) error {
	sent, err := b.send(ctx, c, r)
	if err != nil {
		return err
	}
	if c.jsonOutput() {
		return c.printJSON(map[string]int{"RecordsSent": sent})
	}
	fmt.Fprintf(c.stdout, "%d records sent to %s\n", sent, b.target)
	return nil
}

// send reads r to its end and returns how many records were sent. A
// progress line goes to stderr when it is a terminal.
func (b lineBatcher[R]) send(ctx context.Context, c *cli, r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), b.maxRecord+1)
	var batch []R
	batchBytes, sent, line := 0, 0, 0
	progress := isTerminal(c.stderr)
	start := time.Now()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := b.sendRetrying(ctx, batch); err != nil {
			return err
		}
		sent += len(batch)
		batch, batchBytes = batch[:0], 0
		if progress {
			fmt.Fprintf(c.stderr, "\r%d records sent (%.0f/s)", sent, float64(sent)/time.Since(start).Seconds())
		}
		return nil
	}
	for sc.Scan() {
		line++
		if len(sc.Bytes()) > b.maxRecord {
			return sent, fmt.Errorf("line %d has %d bytes; a record is at most %d bytes (%s)", line, len(sc.Bytes()), b.maxRecord, b.limitText)
		}
		rec, size := b.record(append([]byte(nil), sc.Bytes()...))
		if len(batch) == b.maxRecords || batchBytes+size > b.maxBytes {
			if err := flush(); err != nil {
				return sent, err
			}
		}
		batch = append(batch, rec)
		batchBytes += size
	}
	if err := sc.Err(); err != nil {
		return sent, fmt.Errorf("read line %d: %w (a record is at most %s)", line+1, err, b.limitText)
	}
	if err := flush(); err != nil {
		return sent, err
	}
	if progress {
		fmt.Fprintln(c.stderr)
	}
	return sent, nil
}

// sendRetrying sends a batch, then again the records that were refused,
// with a growing pause, as the Kinesis Producer Library does.
func (b lineBatcher[R]) sendRetrying(ctx context.Context, batch []R) error {
	pending := batch
	for attempt := 1; ; attempt++ {
		reasons, err := b.put(ctx, pending)
		if err != nil {
			return apiErr(err)
		}
		var retry []R
		var last string
		for i, why := range reasons {
			if why != "" {
				retry = append(retry, pending[i])
				last = why
			}
		}
		if len(retry) == 0 {
			return nil
		}
		if attempt == putAttempts {
			return fmt.Errorf("%d records still failed after %d attempts; last error %s", len(retry), attempt, last)
		}
		pending = retry
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 100 * time.Millisecond):
		}
	}
}

// refusals lists, for each answer of a batched put, "" or the refusal's
// code and message.
func refusals[A any](answers []A, refusal func(A) (code, msg *string)) []string {
	out := make([]string, len(answers))
	for i, a := range answers {
		if code, msg := refusal(a); code != nil {
			out[i] = aws.ToString(code) + ": " + aws.ToString(msg)
		}
	}
	return out
}
