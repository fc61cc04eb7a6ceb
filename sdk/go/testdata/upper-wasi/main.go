// Command upper-wasi is the benchmark transform for the WASI command path,
// with no SDK: it reads the Firehose data-transformation event as JSON on
// stdin, upper-cases each record's data (bytes.ToUpper) and writes the
// Firehose response, every record Ok, on stdout.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

type event struct {
	Records []struct {
		RecordID string `json:"recordId"`
		Data     []byte `json:"data"`
	} `json:"records"`
}

type result struct {
	RecordID string `json:"recordId"`
	Result   string `json:"result"`
	Data     []byte `json:"data"`
}

type response struct {
	Records []result `json:"records"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "upper-wasi:", err)
		os.Exit(1)
	}
}

func run() error {
	var ev event
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&ev); err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	resp := response{Records: make([]result, len(ev.Records))}
	for i, r := range ev.Records {
		resp.Records[i] = result{RecordID: r.RecordID, Result: "Ok", Data: bytes.ToUpper(r.Data)}
	}
	w := bufio.NewWriter(os.Stdout)
	if err := json.NewEncoder(w).Encode(&resp); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return w.Flush()
}
