package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/host/rest"
	"github.com/sluice-io/sluice/runtime"
)

func newModuleCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "module",
		Short: "Start, push, list, describe, remove and test transform modules (WebAssembly)",
	}
	cmd.AddCommand(newModuleInitCmd(c), newModulePushCmd(c), newModuleListCmd(c), newModuleDescribeCmd(c), newModuleRmCmd(c), newModuleTestCmd(c))
	return cmd
}

func newModulePushCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "push NAME FILE.wasm",
		Short: "Upload a module as the next version of NAME",
		Long: `Upload a WebAssembly module. The server checks that it compiles and speaks an
ABI it supports (the Sluice SDK ABI v1, or a plain WASI command) and stores it
as a new, immutable version: 1, 2, 3... Refer to it as NAME (the newest) or
NAME@VERSION. NAME is 1 to 64 letters, digits, hyphens or underscores.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			wasm, err := os.ReadFile(args[1]) // sent with its Content-Length, which the server checks first
			if err != nil {
				return err
			}
			var v rest.ModuleVersion
			if err := c.restClient().do(cmd.Context(), "POST", modulePath(args[0]), nil, bytes.NewReader(wasm), &v); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(v)
			}
			fmt.Fprintf(c.stdout, "pushed %s version %d (sha256 %s, %d bytes, ABI %s)\n", v.Name, v.Version, v.SHA256, v.Size, v.ABI)
			return nil
		},
	}
}

func newModuleListCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List modules with their newest version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var list rest.ModuleList
			if err := c.restClient().do(cmd.Context(), "GET", modulePath(), nil, nil, &list); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(list)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSIONS\tLATEST\tSIZE\tABI\tUPLOADED")
			for _, m := range list.Modules {
				l := m.Latest
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", m.Name, m.Versions, l.Version, l.Size, l.ABI, fmtTime(&l.Uploaded))
			}
			return tw.Flush()
		},
	}
}

func newModuleDescribeCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show every version of a module",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var d rest.ModuleDescription
			if err := c.restClient().do(cmd.Context(), "GET", modulePath(args[0]), nil, nil, &d); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(d)
			}
			fmt.Fprintf(c.stdout, "Module: %s\n\n", d.Name)
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSIZE\tABI\tUPLOADED\tSHA256")
			for _, v := range d.Versions {
				fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\n", v.Version, v.Size, v.ABI, fmtTime(&v.Uploaded), v.SHA256)
			}
			return tw.Flush()
		},
	}
}

func newModuleRmCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME[@VERSION]",
		Short: "Remove one version of a module, or all of them",
		Long: `Remove NAME@VERSION, or every version of NAME. A removed version's number is
never given to another upload.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := modulePath(args[0])
			if name, version, ok := strings.Cut(args[0], "@"); ok {
				path = modulePath(name, "versions", version)
			}
			var rm rest.Removed
			if err := c.restClient().do(cmd.Context(), "DELETE", path, nil, nil, &rm); err != nil {
				return err
			}
			if c.jsonOutput() {
				return c.printJSON(rm)
			}
			refs := make([]string, len(rm.Removed))
			for i, r := range rm.Removed {
				refs[i] = fmt.Sprintf("%s@%d", r.Name, r.Version)
			}
			fmt.Fprintf(c.stdout, "removed %s\n", strings.Join(refs, ", "))
			return nil
		},
	}
}

// moduleTest holds the flags of `module test`.
type moduleTest struct {
	*cli
	eventFile, recordsFile string
	env                    []string
}

func newModuleTestCmd(c *cli) *cobra.Command {
	t := &moduleTest{cli: c}
	cmd := &cobra.Command{
		Use:   "test NAME[@VERSION]|FILE.wasm (--event EVENT.json | --records FILE)",
		Short: "Run a test event through a module and show its answer",
		Long: `Run one batch through a module, as Firehose would, and print the Firehose
response (in text output, record data is shown as text when it is UTF-8)
and how many records came back Ok, Dropped and ProcessingFailed.

The batch is a Firehose data-transformation event (--event, JSON), or made
from a file with one record per line (--records; "-" reads standard input).
A FILE.wasm (anything with a dot or a slash, which a module name cannot have)
runs here, without a server; NAME or NAME@VERSION runs on the server.
Each --env KEY=VALUE grants the module a parameter.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return t.run(cmd.Context(), args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&t.eventFile, "event", "", `Firehose test event JSON file ("-" for standard input)`)
	f.StringVar(&t.recordsFile, "records", "", `file of records, one per line ("-" for standard input)`)
	f.StringArrayVar(&t.env, "env", nil, "parameter KEY=VALUE for the module (repeatable)")
	return cmd
}

func (t *moduleTest) run(ctx context.Context, target string) error {
	env, err := parseEnvFlags(t.env)
	if err != nil {
		return err
	}
	event, err := t.event()
	if err != nil {
		return err
	}
	var answer []byte
	if isModuleFile(target) {
		answer, err = t.runLocal(ctx, target, event, env)
	} else {
		q := url.Values{}
		for _, kv := range t.env {
			q.Add("env", kv)
		}
		err = t.restClient().do(ctx, "POST", modulePath(target, "invoke"), q, bytes.NewReader(event), &answer)
	}
	if err != nil {
		return err
	}
	return t.print(answer)
}

// isModuleFile says whether a `module test` target is a file: module names
// have neither dots nor slashes.
func isModuleFile(target string) bool {
	return strings.ContainsAny(target, "./"+string(os.PathSeparator))
}

func parseEnvFlags(pairs []string) (map[string]string, error) {
	env := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usageErr("--env %q: want KEY=VALUE", p)
		}
		env[k] = v
	}
	return env, nil
}

// event reads --event, or builds an event from --records.
func (t *moduleTest) event() ([]byte, error) {
	if (t.eventFile == "") == (t.recordsFile == "") {
		return nil, usageErr("give exactly one of --event and --records")
	}
	if t.eventFile != "" {
		b, err := t.readInput(t.eventFile)
		if err != nil {
			return nil, err
		}
		if _, err := runtime.DecodeEvent(b); err != nil {
			return nil, fmt.Errorf("--event %s: %w", t.eventFile, err)
		}
		return b, nil
	}
	b, err := t.readInput(t.recordsFile)
	if err != nil {
		return nil, err
	}
	return recordsEvent(b, t.region, time.Now())
}

func (t *moduleTest) readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(t.stdin)
	}
	return os.ReadFile(name)
}

// recordsEvent makes a Firehose event of one record per line, with ids
// record-1, record-2... and arrival time now.
func recordsEvent(lines []byte, region string, now time.Time) ([]byte, error) {
	var id [16]byte
	_, _ = rand.Read(id[:])
	b := &runtime.Batch{
		InvocationID:      hex.EncodeToString(id[:]),
		DeliveryStreamARN: "arn:aws:firehose:" + region + ":000000000000:deliverystream/sluice-module-test",
		Region:            region,
	}
	sc := bufio.NewScanner(bytes.NewReader(lines))
	sc.Buffer(make([]byte, 64<<10), len(lines)+1)
	for sc.Scan() {
		b.Records = append(b.Records, runtime.Record{
			RecordID:    fmt.Sprintf("record-%d", len(b.Records)+1),
			ArrivalTime: now,
			Data:        bytes.Clone(sc.Bytes()),
		})
	}
	if len(b.Records) == 0 {
		return nil, usageErr("--records: no records (one per line)")
	}
	return runtime.EncodeEvent(b)
}

// runLocal runs the event through a module file with an in-process runtime,
// whose compilation cache is under the user's cache directory.
func (t *moduleTest) runLocal(ctx context.Context, file string, event []byte, env map[string]string) ([]byte, error) {
	wasm, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	opts := []runtime.Option{runtime.WithLogger(slog.New(slog.NewTextHandler(t.stderr, nil)))}
	if dir, err := os.UserCacheDir(); err == nil {
		opts = append(opts, runtime.WithCacheDir(filepath.Join(dir, "sluice", "wasm")))
	}
	rt, err := runtime.New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	defer rt.Close(context.Background())
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	m, err := rt.Load(ctx, runtime.Ref{Name: name}, wasm, runtime.ModuleConfig{Grants: runtime.Grants{Log: true, Env: env}})
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", file, err)
	}
	batch, err := runtime.DecodeEvent(event)
	if err != nil {
		return nil, err
	}
	resp, err := m.Transform(ctx, batch)
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", file, err)
	}
	return runtime.EncodeResponse(resp)
}

// shownRecord is a response record as printed: data as text when it is UTF-8.
type shownRecord struct {
	RecordID     string          `json:"recordId"`
	Result       string          `json:"result"`
	Data         *string         `json:"data,omitempty"`
	Metadata     json.RawMessage `json:"metadata,omitempty"`
	ErrorMessage string          `json:"errorMessage,omitempty"`
}

// print writes the Firehose response: as it is for --output json, else
// with data decoded and a summary line.
func (t *moduleTest) print(answer []byte) error {
	var resp struct {
		Records []struct {
			shownRecord
			Data []byte `json:"data"`
		} `json:"records"`
	}
	if err := json.Unmarshal(answer, &resp); err != nil {
		return fmt.Errorf("bad response: %w", err)
	}
	if t.jsonOutput() {
		var buf bytes.Buffer
		if err := json.Indent(&buf, answer, "", "  "); err != nil {
			return err
		}
		buf.WriteByte('\n')
		_, err := t.stdout.Write(buf.Bytes())
		return err
	}
	counts := map[string]int{}
	shown := make([]shownRecord, len(resp.Records))
	for i, r := range resp.Records {
		counts[r.Result]++
		shown[i] = r.shownRecord
		if r.Data != nil {
			s := string(r.Data)
			if !utf8.Valid(r.Data) {
				s = base64.StdEncoding.EncodeToString(r.Data)
			}
			shown[i].Data = &s
		}
	}
	enc := json.NewEncoder(t.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"records": shown}); err != nil {
		return err
	}
	fmt.Fprintf(t.stdout, "%d Ok, %d Dropped, %d ProcessingFailed\n", counts["Ok"], counts["Dropped"], counts["ProcessingFailed"])
	return nil
}
