package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sluice-io/sluice/internal/scaffold"
)

func newModuleInitCmd(c *cli) *cobra.Command {
	var lang, dir string
	cmd := &cobra.Command{
		Use:   "init NAME --lang " + strings.Join(langNames(), "|") + " [--dir DIR]",
		Short: "Start a new transform: a project that builds NAME.wasm",
		Long: `Write a new transform project to DIR (default ./NAME): a small transform
that upper-cases each record and drops empty ones, on the Sluice SDK of
the language (or, with --lang wasi, a plain WASI command in Go); its
manifest (go.mod, Cargo.toml, Makefile or package.json) with a copy of the
SDK in sluice-sdk/, so it builds anywhere; build.sh, which writes NAME.wasm
next to itself; a sample Firehose event with the answer to expect; test.sh;
and pipeline.yaml, a delivery stream that runs it. Then it prints the
commands to build, test, push and use it.

NAME is 1 to 64 lower-case letters, digits, hyphens or underscores,
starting with a letter. DIR must not exist or be empty.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang == "" {
				return usageErr("--lang is required: %s", scaffold.LangList())
			}
			l, err := scaffold.ParseLang(lang)
			if err != nil {
				return usageErr("--lang: %v", err)
			}
			if dir == "" {
				dir = args[0]
			}
			p, err := scaffold.Write(dir, args[0], l)
			if errors.Is(err, scaffold.ErrInvalidName) {
				return usageErr("%v", err)
			}
			if err != nil {
				return err
			}
			return printProject(c, p)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "", "language: "+scaffold.LangList())
	cmd.Flags().StringVar(&dir, "dir", "", "directory to write the project to (default ./NAME)")
	return cmd
}

func langNames() []string {
	s := make([]string, len(scaffold.Langs))
	for i, l := range scaffold.Langs {
		s[i] = string(l)
	}
	return s
}

// printProject says what `module init` wrote and what to run next.
func printProject(c *cli, p *scaffold.Project) error {
	if c.jsonOutput() {
		return c.printJSON(struct {
			Name  string          `json:"name"`
			Lang  scaffold.Lang   `json:"lang"`
			Dir   string          `json:"dir"`
			Wasm  string          `json:"wasm"`
			Files []string        `json:"files"`
			Next  []scaffold.Step `json:"next"`
		}{p.Name, p.Lang, p.Dir, p.Wasm, p.Files, p.Next()})
	}
	fmt.Fprintf(c.stdout, "created %s: a %s transform named %s\n  %s\n\nnext:\n", p.Dir, p.Lang, p.Name, strings.Join(p.Files, " "))
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, s := range p.Next() {
		if s.Does == "" {
			fmt.Fprintf(tw, "  %s\n", s.Command)
			continue
		}
		fmt.Fprintf(tw, "  %s\t# %s\n", s.Command, s.Does)
	}
	return tw.Flush()
}
