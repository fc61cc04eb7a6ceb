package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/spf13/cobra"
)

func newInspectCmd(c *cli) *cobra.Command {
	var rows int
	cmd := &cobra.Command{
		Use:   "inspect FILE.parquet",
		Short: "Show a Parquet file Sluice wrote: schema, row count and the first rows",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.inspectParquet(args[0], rows)
		},
	}
	cmd.Flags().IntVarP(&rows, "rows", "n", 5, "how many rows to show")
	return cmd
}

func (c *cli) inspectParquet(path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	var first []map[string]any
	for len(first) < n {
		row := map[string]any{}
		if err := r.Read(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("%s: read row %d: %w", path, len(first), err)
		}
		first = append(first, row)
	}
	if c.jsonOutput() {
		return c.printJSON(map[string]any{"File": path, "Rows": pf.NumRows(), "RowGroups": len(pf.RowGroups()), "Schema": pf.Schema().String(), "FirstRows": first})
	}
	fmt.Fprintf(c.stdout, "%s: %d rows, %d row groups\n%s\n", path, pf.NumRows(), len(pf.RowGroups()), pf.Schema())
	for _, row := range first {
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s\n", b)
	}
	return nil
}
