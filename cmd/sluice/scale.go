package main

import (
	"fmt"
	"math/big"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func newStreamScaleCmd(c *cli) *cobra.Command {
	var shards int32
	cmd := &cobra.Command{
		Use:   "scale NAME --shards N",
		Short: "Reshard a stream to N shards of equal hash ranges (half to double the open count)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if shards < 1 {
				return usageErr("--shards must be at least 1")
			}
			out, err := c.kinesisClient().UpdateShardCount(cmd.Context(), &kinesis.UpdateShardCountInput{
				StreamName: aws.String(args[0]), TargetShardCount: aws.Int32(shards), ScalingType: types.ScalingTypeUniformScaling,
			})
			if err != nil {
				return apiErr(err)
			}
			if c.jsonOutput() {
				return c.printJSON(awsShape(out))
			}
			fmt.Fprintf(c.stdout, "scaled stream %s from %d to %d open shards\n", args[0], aws.ToInt32(out.CurrentShardCount), aws.ToInt32(out.TargetShardCount))
			return nil
		},
	}
	cmd.Flags().Int32Var(&shards, "shards", 0, "target number of open shards")
	_ = cmd.MarkFlagRequired("shards")
	return cmd
}

func newStreamSplitCmd(c *cli) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "split NAME SHARD",
		Short: "Split an open shard in two, at the middle of its hash range or at --at",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			kc := c.kinesisClient()
			if at == "" {
				shards, err := listShards(ctx, kc, args[0])
				if err != nil {
					return err
				}
				if at, err = middleOf(shards, args[1]); err != nil {
					return err
				}
			}
			if _, err := kc.SplitShard(ctx, &kinesis.SplitShardInput{
				StreamName: aws.String(args[0]), ShardToSplit: aws.String(args[1]), NewStartingHashKey: aws.String(at),
			}); err != nil {
				return apiErr(err)
			}
			if c.jsonOutput() {
				return c.printJSON(map[string]string{"StreamName": args[0], "ShardToSplit": args[1], "NewStartingHashKey": at})
			}
			fmt.Fprintf(c.stdout, "split %s of stream %s at hash key %s\n", args[1], args[0], at)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "new starting hash key of the second child (decimal; default: the middle of the range)")
	return cmd
}

// middleOf is the hash key halfway through a shard's range, rounded up so
// that the first child is never empty.
func middleOf(shards []types.Shard, id string) (string, error) {
	for _, s := range shards {
		if aws.ToString(s.ShardId) != id || s.HashKeyRange == nil {
			continue
		}
		lo, ok1 := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
		hi, ok2 := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
		if !ok1 || !ok2 {
			return "", fmt.Errorf("shard %s has an unreadable hash key range", id)
		}
		mid := new(big.Int).Add(lo, hi)
		mid.Add(mid, big.NewInt(1)).Rsh(mid, 1)
		return mid.String(), nil
	}
	return "", usageErr("stream has no shard %s", id)
}

func newStreamMergeCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "merge NAME SHARD ADJACENT-SHARD",
		Short: "Merge two open shards with adjacent hash ranges into one",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := c.kinesisClient().MergeShards(cmd.Context(), &kinesis.MergeShardsInput{
				StreamName: aws.String(args[0]), ShardToMerge: aws.String(args[1]), AdjacentShardToMerge: aws.String(args[2]),
			}); err != nil {
				return apiErr(err)
			}
			if c.jsonOutput() {
				return c.printJSON(map[string]string{"StreamName": args[0], "ShardToMerge": args[1], "AdjacentShardToMerge": args[2]})
			}
			fmt.Fprintf(c.stdout, "merged %s and %s of stream %s\n", args[1], args[2], args[0])
			return nil
		},
	}
}
