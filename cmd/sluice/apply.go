package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/host/streams"
)

// pipelineFile is what `sluice apply -f` reads: data streams and delivery
// streams, in YAML (or JSON) with the delivery.Definition's JSON names.
type pipelineFile struct {
	Streams         []streamSpec          `json:"streams"`
	DeliveryStreams []delivery.Definition `json:"deliveryStreams"`
}

// streamSpec declares a data stream.
type streamSpec struct {
	Name string `json:"name"`
	// Shards is the shard count a missing stream is created with (>= 1).
	Shards int `json:"shards"`
	// RetentionHours is 24 (default) to 8760.
	RetentionHours int `json:"retentionHours"`
}

// appliedItem is one line of apply's report.
type appliedItem struct {
	Kind   string `json:"Kind"`
	Name   string `json:"Name"`
	Action string `json:"Action"` // created, updated, unchanged
	Detail string `json:"Detail,omitempty"`
	// Warnings are the server's: what its checks found that does not stop
	// the delivery stream (a destination that cannot be reached now).
	Warnings []string `json:"Warnings,omitempty"`
}

func newApplyCmd(c *cli) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Create or update the data streams and delivery streams a pipeline file declares",
		Long: `Read a pipeline file (YAML or JSON) and make the server match it: data
streams under 'streams:' are created when missing and get the file's
retention; delivery streams under 'deliveryStreams:' are created or updated
(a changed definition restarts the delivery stream). Applying the same file
twice changes nothing and says so. Nothing is deleted.

Data streams are applied first, so a delivery stream may read a data stream
the same file declares. '-f -' reads standard input.

Before it creates or changes a delivery stream the server loads its
processor module with the file's limits and probes its destination. A
definition that could never run (a module that does not load, memory over
the server's ceiling, no such bucket, access denied, a folder that cannot be
written) is refused with the reason and apply exits non-zero; a destination
that cannot be reached now is only a warning (on standard error): the
delivery stream is created and its records wait until it can be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErr("-f FILE is required")
			}
			var data []byte
			var err error
			if file == "-" {
				data, err = io.ReadAll(c.stdin)
			} else {
				data, err = os.ReadFile(file)
			}
			if err != nil {
				return err
			}
			p, err := parsePipeline(data)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			return c.apply(cmd.Context(), p)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "pipeline file (YAML or JSON; - for standard input)")
	return cmd
}

// parsePipeline reads and checks a pipeline file. Errors name the field
// by its path in the file, as in "deliveryStreams[0].buffering.sizeMiB".
func parsePipeline(data []byte) (*pipelineFile, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if len(bytes.TrimSpace(js)) == 0 || string(bytes.TrimSpace(js)) == "null" {
		return nil, errors.New("the file is empty: declare streams: and/or deliveryStreams:")
	}
	p := new(pipelineFile)
	if err := json.Unmarshal(js, p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: expected %s, found %s", typeErrorPath(js, te.Field), te.Type, te.Value)
		}
		return nil, err
	}
	if f := unknownField(js, reflect.TypeFor[pipelineFile](), ""); f != "" {
		return nil, fmt.Errorf("%s: unknown field", f)
	}
	if len(p.Streams) == 0 && len(p.DeliveryStreams) == 0 {
		return nil, errors.New("nothing to apply: declare streams: and/or deliveryStreams:")
	}
	seen := map[string]string{}
	for i := range p.Streams {
		s := &p.Streams[i]
		at := fmt.Sprintf("streams[%d]", i)
		if s.Name == "" {
			return nil, fmt.Errorf("%s.name is required", at)
		}
		if prev, dup := seen["s/"+s.Name]; dup {
			return nil, fmt.Errorf("%s: stream %s is also declared at %s", at, s.Name, prev)
		}
		seen["s/"+s.Name] = at
		if s.Shards < 1 {
			return nil, fmt.Errorf("%s (%s).shards must be at least 1", at, s.Name)
		}
		if s.RetentionHours == 0 {
			s.RetentionHours = streams.DefaultRetentionHours
		}
		if s.RetentionHours < streams.MinRetentionHours || s.RetentionHours > streams.MaxRetentionHours {
			return nil, fmt.Errorf("%s (%s).retentionHours %d is outside %d..%d", at, s.Name, s.RetentionHours, streams.MinRetentionHours, streams.MaxRetentionHours)
		}
	}
	for i := range p.DeliveryStreams {
		d := &p.DeliveryStreams[i]
		at := fmt.Sprintf("deliveryStreams[%d]", i)
		if d.Name == "" {
			return nil, fmt.Errorf("%s.name is required", at)
		}
		if err := delivery.ValidateName(d.Name); err != nil {
			return nil, fmt.Errorf("%s.name: %s", at, strings.TrimPrefix(err.Error(), delivery.ErrInvalid.Error()+": "))
		}
		if prev, dup := seen["d/"+d.Name]; dup {
			return nil, fmt.Errorf("%s: delivery stream %s is also declared at %s", at, d.Name, prev)
		}
		seen["d/"+d.Name] = at
		if d.Version != 0 || !d.CreatedAt.IsZero() || !d.UpdatedAt.IsZero() || d.Warnings != nil {
			return nil, fmt.Errorf("%s (%s): version, createdAt, updatedAt and warnings are set by the server", at, d.Name)
		}
	}
	return p, nil
}

// unknownField returns the file path of the first field of the JSON value
// raw that t does not declare ("" when none).
func unknownField(raw json.RawMessage, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeFor[json.RawMessage]() {
			return ""
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		fields := map[string]reflect.Type{}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.IsExported() && name != "-" && name != "" {
				fields[name] = f.Type
			}
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range obj {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			at := k
			if path != "" {
				at = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				return at
			}
			if p := unknownField(obj[k], ft, at); p != "" {
				return p
			}
		}
	case reflect.Slice:
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return ""
		}
		for i, v := range list {
			if p := unknownField(v, t.Elem(), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		for k, v := range obj {
			if p := unknownField(v, t.Elem(), path+"."+k); p != "" {
				return p
			}
		}
	}
	return ""
}

// typeErrorPath is where a type error is in the file: encoding/json names
// the field ("deliveryStreams.buffering.sizeMiB") but not the list element,
// which this finds by decoding the elements one by one.
func typeErrorPath(js []byte, field string) string {
	list, rest, _ := strings.Cut(field, ".")
	var doc map[string][]json.RawMessage
	if json.Unmarshal(js, &doc) == nil {
		for i, el := range doc[list] {
			var err error
			switch list {
			case "streams":
				err = json.Unmarshal(el, new(streamSpec))
			case "deliveryStreams":
				err = json.Unmarshal(el, new(delivery.Definition))
			}
			if err != nil {
				return fmt.Sprintf("%s[%d].%s", list, i, rest)
			}
		}
	}
	return filePath(field)
}

// filePath turns encoding/json's dotted field path
// ("deliveryStreams.0.buffering") into the file's notation
// ("deliveryStreams[0].buffering").
func filePath(field string) string {
	parts := strings.Split(field, ".")
	var b strings.Builder
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil && i > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return b.String()
}

// apply makes the server match p and reports what it did.
func (c *cli) apply(ctx context.Context, p *pipelineFile) error {
	var done []appliedItem
	report := func(it appliedItem) {
		done = append(done, it)
		if !c.jsonOutput() {
			line := fmt.Sprintf("%s %s: %s", it.Kind, it.Name, it.Action)
			if it.Detail != "" {
				line += " (" + it.Detail + ")"
			}
			fmt.Fprintln(c.stdout, line)
			for _, w := range it.Warnings {
				fmt.Fprintf(c.stderr, "warning: %s %s: %s\n", it.Kind, it.Name, w)
			}
		}
	}
	if len(p.Streams) > 0 {
		kc := c.kinesisClient()
		for i, s := range p.Streams {
			it, err := applyStream(ctx, kc, s)
			if err != nil {
				return fmt.Errorf("streams[%d] (%s): %w", i, s.Name, err)
			}
			report(it)
		}
	}
	rc := c.restClient()
	for i, d := range p.DeliveryStreams {
		body, err := json.Marshal(d)
		if err != nil {
			return err
		}
		var out rest.DeliveryApplied
		if err := rc.do(ctx, "PUT", deliveryPath(d.Name), nil, bytes.NewReader(body), &out); err != nil {
			return fmt.Errorf("deliveryStreams[%d] (%s): %w", i, d.Name, err)
		}
		it := appliedItem{Kind: "delivery stream", Name: d.Name, Action: "unchanged", Warnings: out.Definition.Warnings}
		switch {
		case out.Created:
			it.Action = "created"
		case out.Changed:
			it.Action, it.Detail = "updated", fmt.Sprintf("version %d", out.Definition.Version)
		}
		report(it)
	}
	if c.jsonOutput() {
		return c.printJSON(map[string]any{"Applied": done})
	}
	if !slices.ContainsFunc(done, func(it appliedItem) bool { return it.Action != "unchanged" }) {
		fmt.Fprintln(c.stdout, "nothing changed")
	}
	return nil
}

// applyStream creates a missing data stream and sets its retention.
func applyStream(ctx context.Context, kc *kinesis.Client, s streamSpec) (appliedItem, error) {
	it := appliedItem{Kind: "stream", Name: s.Name, Action: "unchanged"}
	sum, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(s.Name)})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(s.Name), ShardCount: aws.Int32(int32(s.Shards))}); err != nil {
			return it, apiErr(err)
		}
		it.Action, it.Detail = "created", fmt.Sprintf("%d shards, retention %dh", s.Shards, s.RetentionHours)
		if s.RetentionHours > streams.MinRetentionHours {
			if _, err := kc.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{
				StreamName: aws.String(s.Name), RetentionPeriodHours: aws.Int32(int32(s.RetentionHours)),
			}); err != nil {
				return it, fmt.Errorf("created, but setting its retention failed: %w", apiErr(err))
			}
		}
		return it, nil
	case err != nil:
		return it, apiErr(err)
	}
	d := sum.StreamDescriptionSummary
	var notes []string
	if have := int(aws.ToInt32(d.RetentionPeriodHours)); have != s.RetentionHours {
		want := aws.Int32(int32(s.RetentionHours))
		if have < s.RetentionHours {
			_, err = kc.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String(s.Name), RetentionPeriodHours: want})
		} else {
			_, err = kc.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String(s.Name), RetentionPeriodHours: want})
		}
		if err != nil {
			return it, apiErr(err)
		}
		it.Action = "updated"
		notes = append(notes, fmt.Sprintf("retention %dh -> %dh", have, s.RetentionHours))
	}
	if open := int(aws.ToInt32(d.OpenShardCount)); open != s.Shards {
		notes = append(notes, fmt.Sprintf("has %d open shards, the file says %d: apply does not reshard", open, s.Shards))
	}
	it.Detail = strings.Join(notes, "; ")
	return it, nil
}
