package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host/rest"
)

func newStreamModeCmd(c *cli) *cobra.Command {
	var req rest.StreamModeRequest
	var cooldown time.Duration
	cmd := &cobra.Command{
		Use:   "mode NAME on-demand|provisioned",
		Short: "Switch a stream between on-demand (self-scaling) and provisioned capacity",
		Long: `An ON_DEMAND stream grows its shard count when the write rate stays above
--scale-up of what its shards take, and shrinks it when the rate stays below
--scale-down, between --min-shards and --max-shards, at most once per
--cooldown. Flags left out take the server's defaults.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch strings.ToLower(args[1]) {
			case "on-demand", "on_demand":
				req.Mode = "ON_DEMAND"
			case "provisioned":
				req.Mode = "PROVISIONED"
			default:
				return usageErr("mode must be on-demand or provisioned, not %q", args[1])
			}
			if cooldown != 0 {
				req.Cooldown = cooldown.String()
			}
			body, err := json.Marshal(req)
			if err != nil {
				return err
			}
			path := "/v1/streams/" + url.PathEscape(args[0]) + "/mode"
			var out rest.StreamModeRequest
			if err := c.restClient().do(cmd.Context(), "PUT", path, nil, bytes.NewReader(body), &out); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(streamModeOut(args[0], out))
			}
			fmt.Fprintf(c.stdout, "stream %s is %s\n", args[0], out.Mode)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&req.MinShards, "min-shards", 0, "on-demand: the fewest shards")
	f.IntVar(&req.MaxShards, "max-shards", 0, "on-demand: the most shards")
	f.Float64Var(&req.ScaleUp, "scale-up", 0, "on-demand: grow when writes exceed this fraction of capacity (0-1)")
	f.Float64Var(&req.ScaleDown, "scale-down", 0, "on-demand: shrink when writes stay under this fraction (0-1)")
	durationVar(f, &cooldown, "cooldown", 0, "on-demand: least time between two automatic reshards")
	return cmd
}
