package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host/rest"
)

func newClusterCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Look at the NATS cluster the server runs on"}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "The server's NATS servers, the JetStream meta leader, and each stream's leader and replicas",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st rest.ClusterStatus
			if err := c.restClient().do(cmd.Context(), "GET", "/v1/cluster", nil, nil, &st); err != nil {
				return err
			}
			if c.output == "json" {
				return c.printJSON(clusterStatusOut(st))
			}
			printClusterStatus(c, &st)
			return nil
		},
	})
	return cmd
}

func printClusterStatus(c *cli, st *rest.ClusterStatus) {
	h := st.Host
	fmt.Fprintf(c.stdout, "host %s: NATS %s", h.ID, h.NATS)
	if h.Cluster != "" {
		fmt.Fprintf(c.stdout, ", cluster %s", h.Cluster)
	}
	fmt.Fprintf(c.stdout, ", connected to %s, %d replicas\n", h.ConnectedServer, h.Replicas)
	if len(st.Servers) > 0 {
		fmt.Fprintf(c.stdout, "servers: %s\n", strings.Join(st.Servers, " "))
	}
	if m := st.Meta; m != nil && m.Size > 0 {
		fmt.Fprintf(c.stdout, "meta leader: %s (%d servers): %s\n", m.Leader, m.Size, peers(m.Peers))
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STREAM\tKIND\tLEADER\tREPLICAS\tMESSAGES\tBYTES")
	for _, s := range st.Streams {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", s.Name, s.Kind, orDash(s.Leader), orDash(peers(s.Replicas)), s.Messages, s.Bytes)
	}
	_ = w.Flush()
	if len(st.Delivery) == 0 {
		return
	}
	fmt.Fprintln(c.stdout)
	w = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DELIVERY STREAM\tHOST\tSTATE\tOLDEST UNDELIVERED")
	for _, d := range st.Delivery {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", d.Name, orDash(d.Host), d.State, fmtDuration(d.OldestUndeliveredAge))
	}
	_ = w.Flush()
}

// peers writes replicas as "n1 n2(lag 3) n3(offline)".
func peers(ps []rest.PeerStatus) string {
	var out []string
	for _, p := range ps {
		switch {
		case p.Offline:
			out = append(out, p.Name+"(offline)")
		case !p.Current:
			out = append(out, fmt.Sprintf("%s(behind %d)", p.Name, p.Lag))
		default:
			out = append(out, p.Name)
		}
	}
	return strings.Join(out, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
