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

// flushAfter is how long a line waits in a batch for more lines before
// the batch is sent: a slow feed streams, line by line, while a fast one
// still fills whole batches.
const flushAfter = 200 * time.Millisecond

// lineRead is one line of the input (or, with done, its end).
type lineRead struct {
	data []byte
	done bool
	err  error
}

// readLines sends each line of r on the channel it returns, then one
// lineRead with done set. It stops when stop is closed. Lines are handed
// over one at a time, so at most one waits outside the batch.
func readLines(r io.Reader, maxLine int, stop <-chan struct{}) <-chan lineRead {
	out := make(chan lineRead)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxLine+1)
		for sc.Scan() {
			select {
			case out <- lineRead{data: append([]byte(nil), sc.Bytes()...)}:
			case <-stop:
				return
			}
		}
		select {
		case out <- lineRead{done: true, err: sc.Err()}:
		case <-stop:
		}
	}()
	return out
}

// send reads r to its end and returns how many records were sent. A batch
// goes when it is full, and flushAfter after its first line otherwise. On
// a terminal it first says that it reads standard input; a progress line
// goes to stderr when that is a terminal and the input is not.
func (b lineBatcher[R]) send(ctx context.Context, c *cli, r io.Reader) (int, error) {
	if isTerminal(r) {
		fmt.Fprintln(c.stderr, "Reading records from standard input, one per line; end with Ctrl-D (Ctrl-C cancels what is not sent yet).")
	}
	progress := isTerminal(c.stderr) && !isTerminal(r)
	stop := make(chan struct{})
	defer close(stop)
	lines := readLines(r, b.maxRecord, stop)
	var batch []R
	batchBytes, sent, line := 0, 0, 0
	start := time.Now()
	timer := time.NewTimer(flushAfter)
	timer.Stop()
	var due <-chan time.Time // the timer's channel while a batch waits
	flush := func() error {
		timer.Stop()
		due = nil
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
	for {
		select {
		case <-ctx.Done():
			return sent, fmt.Errorf("interrupted: %d records sent to %s, %d read and not sent", sent, b.target, len(batch))
		case <-due:
			if err := flush(); err != nil {
				return sent, err
			}
			continue
		case l := <-lines:
			if l.done {
				if l.err != nil {
					return sent, fmt.Errorf("read line %d: %w (a record is at most %s)", line+1, l.err, b.limitText)
				}
				if err := flush(); err != nil {
					return sent, err
				}
				if progress {
					fmt.Fprint(c.stderr, "\r\033[K") // the final count replaces the progress line
				}
				return sent, nil
			}
			line++
			if len(l.data) > b.maxRecord {
				return sent, fmt.Errorf("line %d has %d bytes; a record is at most %d bytes (%s)", line, len(l.data), b.maxRecord, b.limitText)
			}
			rec, size := b.record(l.data)
			if len(batch) == b.maxRecords || batchBytes+size > b.maxBytes {
				if err := flush(); err != nil {
					return sent, err
				}
			}
			batch = append(batch, rec)
			batchBytes += size
			if due == nil {
				timer.Reset(flushAfter)
				due = timer.C
			}
		}
	}
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
