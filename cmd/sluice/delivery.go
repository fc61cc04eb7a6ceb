package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/rest"
)

// Firehose's PutRecordBatch limits, which a batch from stdin respects.
const (
	maxDeliveryBatchRecords = 500
	maxDeliveryBatchBytes   = 4 << 20
	maxDeliveryRecordBytes  = 1000 << 10
)

func newDeliveryCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delivery",
		Short: "List, describe and delete delivery streams (create them with 'sluice apply')",
	}
	cmd.AddCommand(newDeliveryListCmd(c), newDeliveryDescribeCmd(c), newDeliveryDeleteCmd(c))
	return cmd
}

// deliveryPath is /v1/delivery-streams/ with the escaped name.
func deliveryPath(name string) string {
	if name == "" {
		return "/v1/delivery-streams"
	}
	return "/v1/delivery-streams/" + url.PathEscape(name)
}

func newDeliveryListCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List delivery streams with their state and counters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list rest.DeliveryList
			if err := c.restClient().do(cmd.Context(), "GET", deliveryPath(""), nil, nil, &list); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(deliveryListOut(list))
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATE\tSOURCE\tDESTINATION\tFORMAT\tVERSION\tIN\tDELIVERED\tERRORS\tLOST\tFRESHNESS")
			var failing []rest.DeliveryStream
			for _, d := range list.DeliveryStreams {
				def, st := d.Definition, d.Status
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", def.Name, st.State, sourceText(def.Source),
					destinationText(def.Destination), formatText(def), def.Version, st.IncomingRecords, st.DeliveredRecords, st.ErrorRecords,
					st.LostRecords, fmtDuration(st.OldestUndeliveredAge.Round(time.Second)))
				if st.Failing() {
					failing = append(failing, d)
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			// Say why each failing one fails, below the table.
			for _, d := range failing {
				fmt.Fprintf(c.stdout, "\n%s is %s since %s: %s\n", d.Definition.Name, d.Status.State, fmtTime(&d.Status.FailingSince), d.Status.LastError)
			}
			return nil
		},
	}
}

func newDeliveryDescribeCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a delivery stream's definition, state and counters",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var d rest.DeliveryStream
			if err := c.restClient().do(cmd.Context(), "GET", deliveryPath(args[0]), nil, nil, &d); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(deliveryStreamOut(d))
			}
			def, st := d.Definition, d.Status
			fmt.Fprintf(c.stdout, "Delivery stream: %s\nState:           %s\nVersion:         %d\nSource:          %s\nDestination:     %s\nFormat:          %s\n",
				def.Name, st.State, def.Version, sourceText(def.Source), destinationText(def.Destination), formatText(def))
			if len(def.Processors) > 0 {
				var types []string
				for _, p := range def.Processors {
					types = append(types, p.Type)
				}
				fmt.Fprintf(c.stdout, "Processors:      %s\n", strings.Join(types, ", "))
			}
			if def.Processor != nil {
				fmt.Fprintf(c.stdout, "Processor:       %s\n", def.Processor.Module)
			}
			fmt.Fprintf(c.stdout, "Created:         %s\nUpdated:         %s\n\n", fmtTime(&def.CreatedAt), fmtTime(&def.UpdatedAt))
			fmt.Fprintf(c.stdout, "Incoming:        %d records, %d bytes\nDelivered:       %d records in %d objects\nDropped:         %d records\nErrors:          %d records\nCheckpoint:      %s\n",
				st.IncomingRecords, st.IncomingBytes, st.DeliveredRecords, st.DeliveredObjects, st.DroppedRecords, st.ErrorRecords, st.CheckpointText())
			if st.DeaggregatedRecords != 0 && (len(def.Processors) > 0 || def.Source.Kind == delivery.SourceDataStream) {
				fmt.Fprintf(c.stdout, "Processed:       %d records after KPL de-aggregation and the processors\n", st.DeaggregatedRecords)
			}
			if st.OldestUndeliveredAge > 0 {
				fmt.Fprintf(c.stdout, "Oldest waiting:  %s\n", fmtDuration(st.OldestUndeliveredAge))
			}
			if st.LostRecords > 0 {
				fmt.Fprintf(c.stdout, "Lost:            %d records gone from the source before delivery (see the error output's source-gap)\n", st.LostRecords)
			}
			if st.Failing() {
				fmt.Fprintf(c.stdout, "Failing since:   %s\n", fmtTime(&st.FailingSince))
			}
			if st.LastError != "" {
				fmt.Fprintf(c.stdout, "Last error:      %s (%s)\n", st.LastError, fmtTime(&st.LastErrorAt))
			}
			spec, err := yaml.Marshal(def)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "\nDefinition:\n%s", indent(string(spec), "  "))
			return nil
		},
	}
}

func newDeliveryDeleteCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a delivery stream (records not yet delivered are dropped)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.restClient().do(cmd.Context(), "DELETE", deliveryPath(args[0]), nil, nil, nil); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(map[string]string{"DeliveryStreamName": args[0], "Status": "DELETED"})
			}
			fmt.Fprintf(c.stdout, "deleted delivery stream %s\n", args[0])
			return nil
		},
	}
}

func sourceText(s delivery.Source) string {
	if s.Kind == delivery.SourceDataStream {
		return "stream " + s.Stream
	}
	return "direct put"
}

func destinationText(d delivery.Destination) string {
	switch {
	case d.Folder != nil:
		return "folder " + d.Folder.Path
	case d.S3 != nil:
		return "s3://" + d.S3.Bucket
	case d.HTTP != nil:
		return d.HTTP.URL
	case d.Kinesis != nil:
		return forwardText("kinesis", d.Kinesis)
	case d.Firehose != nil:
		return forwardText("firehose", d.Firehose)
	}
	return d.Kind
}

// forwardText names a Kinesis or Firehose destination: its stream and
// where it is (never its credentials).
func forwardText(kind string, s *delivery.StreamDest) string {
	where := s.Endpoint
	if where == "" {
		where = "AWS"
		if s.Region != "" {
			where += " " + s.Region
		}
	}
	return kind + " " + s.Stream + " at " + where
}

func formatText(def delivery.Definition) string {
	t, comp := def.Format.Type, def.Format.Compression
	if t == "" {
		t = "json"
	}
	if comp == "" || comp == "none" {
		return t
	}
	return t + "+" + comp
}

func indent(s, pre string) string {
	var out []byte
	start := true
	for i := 0; i < len(s); i++ {
		if start && s[i] != '\n' {
			out = append(out, pre...)
		}
		out = append(out, s[i])
		start = s[i] == '\n'
	}
	return string(out)
}

// firehoseClient is an AWS SDK Firehose client pointed at the Sluice server.
func (c *cli) firehoseClient() *firehose.Client {
	return firehose.New(firehose.Options{
		BaseEndpoint: aws.String(c.endpoint),
		Region:       c.region,
		Credentials:  c.awsCredentials(),
		Retryer:      retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 }),
		HTTPClient:   c.sdkHTTPClient(),
	})
}

// deliveryPutter writes records to a delivery stream with PutRecord and
// PutRecordBatch.
type deliveryPutter struct {
	*cli
	fc   *firehose.Client
	name string
}

func (p *deliveryPutter) one(ctx context.Context, data []byte) error {
	out, err := p.fc.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String(p.name), Record: &fhtypes.Record{Data: data}})
	if err != nil {
		return apiErr(err)
	}
	if p.jsonOutput() {
		return p.printJSON(map[string]string{"RecordId": aws.ToString(out.RecordId)})
	}
	fmt.Fprintln(p.stdout, aws.ToString(out.RecordId))
	return nil
}

// lines sends every line of r as a record, in PutRecordBatch batches of
// at most 500 records and 4 MiB.
func (p *deliveryPutter) lines(ctx context.Context, r io.Reader) error {
	return lineBatcher[fhtypes.Record]{
		maxRecord: maxDeliveryRecordBytes, maxRecords: maxDeliveryBatchRecords, maxBytes: maxDeliveryBatchBytes, limitText: "1,000 KiB",
		target: "delivery stream " + p.name,
		record: func(data []byte) (fhtypes.Record, int) { return fhtypes.Record{Data: data}, len(data) },
		put: func(ctx context.Context, batch []fhtypes.Record) ([]string, error) {
			out, err := p.fc.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(p.name), Records: batch})
			if err != nil {
				return nil, err
			}
			return refusals(out.RequestResponses, func(r fhtypes.PutRecordBatchResponseEntry) (*string, *string) { return r.ErrorCode, r.ErrorMessage }), nil
		},
	}.run(ctx, p.cli, r)
}
