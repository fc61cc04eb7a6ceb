package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host/streams"
)

func newStreamCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Create, list, describe, reshard and delete data streams",
	}
	cmd.AddCommand(newStreamCreateCmd(c), newStreamListCmd(c), newStreamDescribeCmd(c), newStreamDeleteCmd(c),
		newStreamScaleCmd(c), newStreamSplitCmd(c), newStreamMergeCmd(c), newStreamModeCmd(c))
	return cmd
}

func newStreamCreateCmd(c *cli) *cobra.Command {
	var shards int32
	var groups int
	var retention time.Duration
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a data stream with N shards",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if retention%time.Hour != 0 || retention < 24*time.Hour || retention > 8760*time.Hour {
				return usageErr("--retention must be whole hours from 24h to 8760h, not %s", retention)
			}
			kc := c.kinesisClient()
			name := args[0]
			in := &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}
			if groups > 0 {
				in.Tags = map[string]string{streams.ShardGroupsTag: fmt.Sprint(groups)}
			}
			if _, err := kc.CreateStream(ctx, in); err != nil {
				return apiErr(err)
			}
			if hours := int32(retention / time.Hour); hours > 24 {
				if _, err := kc.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{
					StreamName: aws.String(name), RetentionPeriodHours: aws.Int32(hours),
				}); err != nil {
					return fmt.Errorf("stream %s created, but setting its retention failed: %w", name, apiErr(err))
				}
			}
			if c.jsonOutput() {
				return c.printJSON(map[string]any{"StreamName": name, "ShardCount": shards, "RetentionPeriodHours": int(retention / time.Hour)})
			}
			fmt.Fprintf(c.stdout, "created stream %s: %d shards, retention %s\n", name, shards, retention)
			return nil
		},
	}
	cmd.Flags().Int32Var(&shards, "shards", 1, "number of shards")
	cmd.Flags().IntVar(&groups, "shard-groups", 0, fmt.Sprintf("spread the shards over N JetStream streams (1 to %d; tag %s), for writes past one RAFT leader on a cluster; default: the server's --shard-groups", streams.MaxShardGroups, streams.ShardGroupsTag))
	cmd.Flags().DurationVar(&retention, "retention", 24*time.Hour, "how long records are kept (24h to 8760h)")
	return cmd
}

func newStreamListCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List data streams",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var all []types.StreamSummary
			p := kinesis.NewListStreamsPaginator(c.kinesisClient(), &kinesis.ListStreamsInput{})
			for p.HasMorePages() {
				page, err := p.NextPage(cmd.Context())
				if err != nil {
					return apiErr(err)
				}
				all = append(all, page.StreamSummaries...)
			}
			if c.jsonOutput() {
				return c.printJSON(all)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATUS\tMODE\tCREATED")
			for _, s := range all {
				mode := ""
				if s.StreamModeDetails != nil {
					mode = string(s.StreamModeDetails.StreamMode)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", aws.ToString(s.StreamName), s.StreamStatus, mode, fmtTime(s.StreamCreationTimestamp))
			}
			return tw.Flush()
		},
	}
}

func newStreamDescribeCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a data stream and its shards: hash key ranges, sequence ranges and lineage",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			kc := c.kinesisClient()
			sum, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(args[0])})
			if err != nil {
				return apiErr(err)
			}
			shards, err := listShards(ctx, kc, args[0])
			if err != nil {
				return err
			}
			d := sum.StreamDescriptionSummary
			if c.jsonOutput() {
				return c.printJSON(map[string]any{"StreamDescriptionSummary": d, "Shards": shards})
			}
			mode := types.StreamModeProvisioned
			if d.StreamModeDetails != nil {
				mode = d.StreamModeDetails.StreamMode
			}
			fmt.Fprintf(c.stdout, "Stream:     %s\nARN:        %s\nStatus:     %s\nMode:       %s\nRetention:  %dh\nCreated:    %s\nOpen shards: %d\n\n",
				aws.ToString(d.StreamName), aws.ToString(d.StreamARN), d.StreamStatus, mode,
				aws.ToInt32(d.RetentionPeriodHours), fmtTime(d.StreamCreationTimestamp), aws.ToInt32(d.OpenShardCount))
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SHARD\tSTATE\tSTARTING HASH KEY\tENDING HASH KEY\tSEQUENCES\tPARENTS")
			for _, s := range shards {
				start, end := "", ""
				if s.HashKeyRange != nil {
					start, end = aws.ToString(s.HashKeyRange.StartingHashKey), aws.ToString(s.HashKeyRange.EndingHashKey)
				}
				seq, state := "", "open"
				if s.SequenceNumberRange != nil {
					seq = aws.ToString(s.SequenceNumberRange.StartingSequenceNumber) + "-"
					if e := aws.ToString(s.SequenceNumberRange.EndingSequenceNumber); e != "" {
						seq, state = seq+e, "closed"
					}
				}
				parents := aws.ToString(s.ParentShardId)
				if adj := aws.ToString(s.AdjacentParentShardId); adj != "" {
					parents += "+" + adj
				}
				if parents == "" {
					parents = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", aws.ToString(s.ShardId), state, start, end, seq, parents)
			}
			return tw.Flush()
		},
	}
}

func newStreamDeleteCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a data stream and all its records",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := c.kinesisClient().DeleteStream(cmd.Context(), &kinesis.DeleteStreamInput{StreamName: aws.String(args[0])})
			if err != nil {
				return apiErr(err)
			}
			if c.jsonOutput() {
				return c.printJSON(map[string]string{"StreamName": args[0], "Status": "DELETED"})
			}
			fmt.Fprintf(c.stdout, "deleted stream %s\n", args[0])
			return nil
		},
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
