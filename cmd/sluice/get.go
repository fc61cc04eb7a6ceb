package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/sluice-io/sluice/host/kpl"
)

// followPause is how long a follower waits after an empty read; Kinesis
// allows five GetRecords calls a second per shard.
const followPause = 250 * time.Millisecond

func newGetCmd(c *cli) *cobra.Command {
	var shard, from string
	var follow, deaggregate bool
	cmd := &cobra.Command{
		Use:   "get STREAM",
		Short: "Read records from a data stream",
		Long: `Read records from every shard of a stream (or one, with --shard), from a
position: trim-horizon (the oldest record kept), latest (only new records), a
sequence number (read from the shard that holds it, found when --shard is
not given), or a time (RFC 3339, or a duration such as 15m meaning that
long ago). Without --follow it stops once it has caught up. With --deaggregate,
records the Kinesis Producer Library aggregated are shown as the records the
producer put, each with its own partition key and its subsequence number
(SEQUENCE:SUB); other records are shown as they are.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start, err := parseFrom(from, time.Now())
			if err != nil {
				return err
			}
			g := &getter{cli: c, kc: c.kinesisClient(), stream: args[0], start: start, follow: follow, deaggregate: deaggregate}
			return g.run(cmd.Context(), shard)
		},
	}
	cmd.Flags().StringVar(&shard, "shard", "", "read only this shard (default: all)")
	cmd.Flags().StringVar(&from, "from", "trim-horizon", "trim-horizon, latest, a sequence number, or a time")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep reading new records until interrupted")
	cmd.Flags().BoolVar(&deaggregate, "deaggregate", false, "show the user records of KPL aggregated records")
	return cmd
}

// parseFrom turns --from into a GetShardIterator input template.
func parseFrom(from string, now time.Time) (kinesis.GetShardIteratorInput, error) {
	var in kinesis.GetShardIteratorInput
	switch f := strings.ToLower(from); {
	case f == "trim-horizon" || f == "trim_horizon":
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon
	case f == "latest":
		in.ShardIteratorType = types.ShardIteratorTypeLatest
	case f != "" && strings.Trim(f, "0123456789") == "":
		in.ShardIteratorType = types.ShardIteratorTypeAtSequenceNumber
		in.StartingSequenceNumber = aws.String(from)
	default:
		if t, err := time.Parse(time.RFC3339Nano, from); err == nil {
			in.ShardIteratorType, in.Timestamp = types.ShardIteratorTypeAtTimestamp, aws.Time(t)
			break
		}
		d, err := time.ParseDuration(from)
		if err != nil || d < 0 {
			return in, usageErr("--from %q: want trim-horizon, latest, a sequence number, an RFC 3339 time or a duration ago", from)
		}
		in.ShardIteratorType, in.Timestamp = types.ShardIteratorTypeAtTimestamp, aws.Time(now.Add(-d))
	}
	return in, nil
}

type getter struct {
	*cli
	kc     *kinesis.Client
	stream string
	start  kinesis.GetShardIteratorInput
	follow bool
	// deaggregate shows KPL aggregated records as their user records.
	deaggregate bool
	mu          sync.Mutex // serialises output lines
}

func (g *getter) run(ctx context.Context, shard string) error {
	var shards []types.Shard
	switch {
	case shard == "" && g.start.ShardIteratorType == types.ShardIteratorTypeAtSequenceNumber:
		s, err := g.shardOf(ctx, aws.ToString(g.start.StartingSequenceNumber))
		if err != nil {
			return err
		}
		shards = []types.Shard{s}
	case shard == "":
		var err error
		if shards, err = g.shards(ctx); err != nil {
			return err
		}
	default:
		shards = []types.Shard{{ShardId: aws.String(shard)}}
	}
	if !g.follow {
		// Shard ids grow with each reshard, so a parent comes before its
		// children and each key's records print in order.
		for _, s := range shards {
			if _, err := g.readShard(ctx, aws.ToString(s.ShardId), g.start); err != nil {
				return err
			}
		}
		return nil
	}
	eg, ctx := errgroup.WithContext(ctx)
	l := newLineage(shards, g.start)
	l.start = func(id string, from kinesis.GetShardIteratorInput) {
		eg.Go(func() error {
			children, err := g.readShard(ctx, id, from)
			if err != nil {
				return err
			}
			l.finished(id, children)
			return nil
		})
	}
	l.startReady()
	if err := eg.Wait(); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// shards lists the shards to read: with --from latest only the open ones
// (closed shards take nothing new), otherwise all of them.
func (g *getter) shards(ctx context.Context) ([]types.Shard, error) {
	all, err := listShards(ctx, g.kc, g.stream)
	if err != nil || g.start.ShardIteratorType != types.ShardIteratorTypeLatest {
		return all, err
	}
	var open []types.Shard
	for _, s := range all {
		if s.SequenceNumberRange == nil || s.SequenceNumberRange.EndingSequenceNumber == nil {
			open = append(open, s)
		}
	}
	return open, nil
}

// shardOf finds the shard that holds sequence number seq, for --from SEQ
// without --shard: of the shards whose sequence number range holds it
// (ListShards' StartingSequenceNumber to EndingSequenceNumber, open
// shards without an end), the first that takes an iterator at it. A
// stream's shards share one sequence of numbers, so open shards' ranges
// overlap; the server refuses a number another shard holds.
func (g *getter) shardOf(ctx context.Context, seq string) (types.Shard, error) {
	n, ok := new(big.Int).SetString(seq, 10)
	if !ok {
		return types.Shard{}, usageErr("--from %q is not a sequence number", seq)
	}
	all, err := listShards(ctx, g.kc, g.stream)
	if err != nil {
		return types.Shard{}, err
	}
	var lastErr error
	for _, s := range all {
		if !rangeHolds(s.SequenceNumberRange, n) {
			continue
		}
		_, err := g.kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(g.stream), ShardId: s.ShardId,
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seq),
		})
		if err == nil {
			return s, nil
		}
		var invalid *types.InvalidArgumentException
		if !errors.As(err, &invalid) {
			return types.Shard{}, apiErr(err)
		}
		lastErr = err
	}
	if lastErr != nil && len(all) == 1 {
		return types.Shard{}, apiErr(lastErr)
	}
	return types.Shard{}, fmt.Errorf("no shard of stream %s holds sequence number %s", g.stream, seq)
}

// rangeHolds reports whether a shard's sequence number range holds n.
func rangeHolds(r *types.SequenceNumberRange, n *big.Int) bool {
	if r == nil {
		return false
	}
	if lo, ok := new(big.Int).SetString(aws.ToString(r.StartingSequenceNumber), 10); !ok || n.Cmp(lo) < 0 {
		return false
	}
	if r.EndingSequenceNumber == nil {
		return true
	}
	hi, ok := new(big.Int).SetString(aws.ToString(r.EndingSequenceNumber), 10)
	return ok && n.Cmp(hi) <= 0
}

// readShard prints a shard's records from a start position until it has
// caught up (or, when following, until ctx ends or the shard is closed and
// read to its end). It returns the children a closed shard names.
func (g *getter) readShard(ctx context.Context, shard string, from kinesis.GetShardIteratorInput) ([]types.ChildShard, error) {
	in := from
	in.StreamName, in.ShardId = aws.String(g.stream), aws.String(shard)
	it, err := g.kc.GetShardIterator(ctx, &in)
	if err != nil {
		return nil, apiErr(err)
	}
	iter := it.ShardIterator
	for iter != nil {
		out, err := g.kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, apiErr(err)
		}
		if err := g.print(shard, out.Records); err != nil {
			return nil, err
		}
		iter = out.NextShardIterator
		if iter == nil {
			return out.ChildShards, nil
		}
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			if !g.follow {
				return nil, nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(followPause):
			}
		}
	}
	return nil, nil
}

func (g *getter) print(shard string, recs []types.Record) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range recs {
		if !g.deaggregate {
			if err := g.printRecord(shard, r, gotRecord{PartitionKey: aws.ToString(r.PartitionKey), Data: r.Data}); err != nil {
				return err
			}
			continue
		}
		users, ok := kpl.Deaggregate(r.Data)
		if !ok {
			if err := g.printRecord(shard, r, gotRecord{PartitionKey: aws.ToString(r.PartitionKey), Data: r.Data}); err != nil {
				return err
			}
			continue
		}
		for _, u := range users {
			sub := u.SubsequenceNumber
			if err := g.printRecord(shard, r, gotRecord{PartitionKey: u.PartitionKey, ExplicitHashKey: u.ExplicitHashKey, Data: u.Data, Sub: &sub}); err != nil {
				return err
			}
		}
	}
	return nil
}

// gotRecord is what a line shows of a record: the record itself, or one
// user record of a KPL aggregate (Sub set) with its own keys.
type gotRecord struct {
	PartitionKey, ExplicitHashKey string
	Data                          []byte
	Sub                           *int64
}

func (g *getter) printRecord(shard string, r types.Record, s gotRecord) error {
	if g.jsonOutput() {
		line := map[string]any{
			"ShardId":                     shard,
			"SequenceNumber":              aws.ToString(r.SequenceNumber),
			"PartitionKey":                s.PartitionKey,
			"ApproximateArrivalTimestamp": fmtTime(r.ApproximateArrivalTimestamp),
		}
		if s.Sub != nil {
			line["SubSequenceNumber"] = *s.Sub
			if s.ExplicitHashKey != "" {
				line["ExplicitHashKey"] = s.ExplicitHashKey
			}
		}
		if utf8.Valid(s.Data) {
			line["Data"] = string(s.Data)
		} else {
			line["DataBase64"] = s.Data // encoding/json writes []byte as base64
		}
		b, err := json.Marshal(line)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "%s\n", b)
		return nil
	}
	data := string(s.Data)
	if !utf8.ValidString(data) {
		data = fmt.Sprintf("<%d bytes of binary>", len(s.Data))
	}
	seq := aws.ToString(r.SequenceNumber)
	if s.Sub != nil {
		seq += ":" + strconv.FormatInt(*s.Sub, 10)
	}
	fmt.Fprintf(g.stdout, "%s  %s  %s  %s\n", shard, seq, s.PartitionKey, data)
	return nil
}
