package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/host/streams"
)

func newMirrorCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "mirror", Short: "Mirror an edge's data stream at a hub (read-only, same shards and sequence numbers)"}
	var req rest.MirrorRequest
	create := &cobra.Command{
		Use:   "create --domain EDGE_DOMAIN --stream NAME [--name MIRROR]",
		Short: "Make a read-only data stream here that copies a data stream of another JetStream domain (an edge's, over its leaf connection)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if req.Domain == "" || req.Stream == "" {
				return usageErr("--domain and --stream are required")
			}
			body, err := json.Marshal(req)
			if err != nil {
				return err
			}
			var out rest.MirrorCreated
			if err := c.restClient().do(cmd.Context(), "POST", "/v1/mirrors", nil, bytes.NewReader(body), &out); err != nil {
				return err
			}
			if c.output == "json" {
				return c.printJSON(out)
			}
			fmt.Fprintf(c.stdout, "created mirror %s of %s in domain %s: %d shards\n", out.StreamName, req.Stream, req.Domain, out.Shards)
			return nil
		},
	}
	create.Flags().StringVar(&req.Domain, "domain", "", "the source's JetStream domain (the edge's --jetstream-domain)")
	create.Flags().StringVar(&req.Stream, "stream", "", "the source data stream's name at the edge")
	create.Flags().StringVar(&req.Name, "name", "", "the mirror's name here (default DOMAIN.STREAM)")
	status := &cobra.Command{
		Use:   "status NAME",
		Short: "How far a mirror has copied its source: records, how many it is behind, last contact, records missed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var st streams.MirrorStatus
			if err := c.restClient().do(cmd.Context(), "GET", "/v1/mirrors/"+url.PathEscape(args[0]), nil, nil, &st); err != nil {
				return err
			}
			if c.output == "json" {
				return c.printJSON(mirrorStatusOut(st))
			}
			printMirrorStatus(c, &st)
			return nil
		},
	}
	cmd.AddCommand(create, status)
	return cmd
}

func printMirrorStatus(c *cli, st *streams.MirrorStatus) {
	fmt.Fprintf(c.stdout, "mirror %s of %s in domain %s\n", st.Stream, st.Source, st.Domain)
	fmt.Fprintf(c.stdout, "records: %d (last sequence %d)\n", st.Records, st.LastSequence)
	if st.SourceReachable {
		fmt.Fprintf(c.stdout, "source: reachable, last sequence %d, %d behind\n", st.SourceLastSequence, st.Behind)
	} else {
		fmt.Fprintln(c.stdout, "source: not reachable now (link down?)")
	}
	if st.LastContact >= 0 {
		fmt.Fprintf(c.stdout, "last contact: %s ago\n", fmtDuration(st.LastContact))
	}
	if st.Missed > 0 {
		fmt.Fprintf(c.stdout, "missed: %d records left the edge before they were copied\n", st.Missed)
	}
	if st.SourceDeleted {
		fmt.Fprintln(c.stdout, "the source stream was deleted at the edge")
	}
	if st.SourceReplaced {
		fmt.Fprintln(c.stdout, "the source stream was created again at the edge: not followed (delete this mirror and create it again)")
	}
	if st.Error != "" {
		fmt.Fprintf(c.stdout, "error: %s\n", st.Error)
	}
	if st.DefinitionError != "" {
		fmt.Fprintf(c.stdout, "definition: %s\n", st.DefinitionError)
	}
}
