package main

import (
	"context"
	"fmt"
	"io"
	"os"

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
)

func newPutCmd(c *cli) *cobra.Command {
	var key, hashKey, deliveryName string
	cmd := &cobra.Command{
		Use:   "put STREAM [DATA] | put --delivery NAME [DATA]",
		Short: "Write records to a data stream or a delivery stream",
		Long: `Write one record (DATA given) or one record per line of standard input (no
DATA), sent in PutRecords batches of up to 500 records and 5 MiB; a batch
that is not full goes 200 ms after its first line, so a slow feed streams.
Records a batch could not write are retried; the command fails if any is
still refused. At the end it prints how many records it sent.

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

// lines sends every line of r as a record, in PutRecords batches.
func (p *putter) lines(ctx context.Context, r io.Reader) error {
	return lineBatcher[types.PutRecordsRequestEntry]{
		maxRecord: maxRecordBytes, maxRecords: maxBatchRecords, maxBytes: maxBatchBytes, limitText: "1 MiB", target: p.stream,
		record: func(data []byte) (types.PutRecordsRequestEntry, int) {
			e := types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(p.key)}
			if p.hashKey != "" {
				e.ExplicitHashKey = aws.String(p.hashKey)
			}
			return e, len(data) + len(p.key)
		},
		put: func(ctx context.Context, batch []types.PutRecordsRequestEntry) ([]string, error) {
			out, err := p.kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(p.stream), Records: batch})
			if err != nil {
				return nil, err
			}
			return refusals(out.Records, func(r types.PutRecordsResultEntry) (*string, *string) { return r.ErrorCode, r.ErrorMessage }), nil
		},
	}.run(ctx, p.cli, r)
}

// isTerminal reports whether s (an io.Reader or io.Writer) is a terminal.
func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
