package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

// Kinesis's PutRecords limits, which a batch from stdin respects.
const (
	maxBatchRecords = 500
	maxBatchBytes   = 5 << 20
	maxRecordBytes  = 1 << 20
	putAttempts     = 5
)

func newPutCmd(c *cli) *cobra.Command {
	var key, hashKey, deliveryName string
	cmd := &cobra.Command{
		Use:   "put STREAM [DATA] | put --delivery NAME [DATA]",
		Short: "Write records to a data stream or a delivery stream",
		Long: `Write one record (DATA given) or one record per line of standard input (no
DATA), sent in PutRecords batches of up to 500 records and 5 MiB. Records a
batch could not write are retried; the command fails if any is still refused.

With --delivery NAME the records go to a direct-put delivery stream instead,
in PutRecordBatch batches of up to 500 records and 4 MiB (a record is at most
1,000 KiB); no partition key is needed.`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if deliveryName != "" {
				if len(args) > 1 || key != "" || hashKey != "" {
					return usageErr("with --delivery give at most DATA, and no partition or hash key")
				}
				p := &deliveryPutter{cli: c, fc: c.firehoseClient(), name: deliveryName}
				if len(args) == 1 {
					return p.one(cmd.Context(), []byte(args[0]))
				}
				return p.lines(cmd.Context(), c.stdin)
			}
			if len(args) == 0 {
				return usageErr("name a STREAM, or a delivery stream with --delivery NAME")
			}
			if key == "" {
				return usageErr("--partition-key is required")
			}
			p := &putter{cli: c, kc: c.kinesisClient(), stream: args[0], key: key, hashKey: hashKey}
			if len(args) == 2 {
				return p.one(cmd.Context(), []byte(args[1]))
			}
			return p.lines(cmd.Context(), c.stdin)
		},
	}
	cmd.Flags().StringVarP(&key, "partition-key", "k", "", "partition key that picks the shard (1-256 characters)")
	cmd.Flags().StringVar(&hashKey, "explicit-hash-key", "", "decimal hash key that picks the shard instead of the partition key's MD5")
	cmd.Flags().StringVar(&deliveryName, "delivery", "", "write to this direct-put delivery stream instead of a data stream")
	return cmd
}

type putter struct {
	*cli
	kc      *kinesis.Client
	stream  string
	key     string
	hashKey string
}

func (p *putter) one(ctx context.Context, data []byte) error {
	in := &kinesis.PutRecordInput{StreamName: aws.String(p.stream), PartitionKey: aws.String(p.key), Data: data}
	if p.hashKey != "" {
		in.ExplicitHashKey = aws.String(p.hashKey)
	}
	out, err := p.kc.PutRecord(ctx, in)
	if err != nil {
		return apiErr(err)
	}
	if p.jsonOutput() {
		return p.printJSON(map[string]string{"ShardId": aws.ToString(out.ShardId), "SequenceNumber": aws.ToString(out.SequenceNumber)})
	}
	fmt.Fprintf(p.stdout, "%s %s\n", aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber))
	return nil
}

// lines sends every line of r as a record, in batches.
func (p *putter) lines(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxRecordBytes+1)
	var batch []types.PutRecordsRequestEntry
	batchBytes, sent, line := 0, 0, 0
	progress := isTerminal(p.stderr)
	start := time.Now()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := p.send(ctx, batch); err != nil {
			return err
		}
		sent += len(batch)
		batch, batchBytes = batch[:0], 0
		if progress {
			fmt.Fprintf(p.stderr, "\r%d records sent (%.0f/s)", sent, float64(sent)/time.Since(start).Seconds())
		}
		return nil
	}
	for sc.Scan() {
		line++
		data := append([]byte(nil), sc.Bytes()...)
		size := len(data) + len(p.key)
		if len(batch) == maxBatchRecords || batchBytes+size > maxBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		e := types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(p.key)}
		if p.hashKey != "" {
			e.ExplicitHashKey = aws.String(p.hashKey)
		}
		batch = append(batch, e)
		batchBytes += size
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read line %d: %w (a record is at most 1 MiB)", line+1, err)
	}
	if err := flush(); err != nil {
		return err
	}
	if progress {
		fmt.Fprintln(p.stderr)
	}
	if p.jsonOutput() {
		return p.printJSON(map[string]int{"RecordsSent": sent})
	}
	fmt.Fprintf(p.stdout, "%d records sent to %s\n", sent, p.stream)
	return nil
}

// send writes a batch with PutRecords, retrying the records that failed with
// a growing pause, as the Kinesis Producer Library does.
func (p *putter) send(ctx context.Context, batch []types.PutRecordsRequestEntry) error {
	pending := batch
	for attempt := 1; ; attempt++ {
		out, err := p.kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(p.stream), Records: pending})
		if err != nil {
			return apiErr(err)
		}
		if aws.ToInt32(out.FailedRecordCount) == 0 {
			return nil
		}
		var retry []types.PutRecordsRequestEntry
		var last string
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				retry = append(retry, pending[i])
				last = aws.ToString(r.ErrorCode) + ": " + aws.ToString(r.ErrorMessage)
			}
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

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
