// Command upper is a WASI-command transform: it reads the Firehose event
// JSON on stdin and answers on stdout with every record's data upper-cased.
// Records whose data is "drop" are Dropped and "fail" ProcessingFailed. Each
// answer carries partition keys telling the test what the sandbox allowed:
// "param" (the PARAM environment variable) and "fs" (whether the root
// directory could be listed).
package main

import (
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

type answer struct {
	RecordID     string         `json:"recordId"`
	Result       string         `json:"result"`
	Data         []byte         `json:"data,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	ErrorMessage string         `json:"errorMessage,omitempty"`
}

func main() {
	var ev event
	if err := json.NewDecoder(os.Stdin).Decode(&ev); err != nil {
		fmt.Fprintln(os.Stderr, "decode event:", err)
		os.Exit(2)
	}
	fs := "denied"
	if _, err := os.ReadDir("/"); err == nil {
		fs = "allowed"
	}
	keys := map[string]string{"param": os.Getenv("PARAM"), "fs": fs}
	out := struct {
		Records []answer `json:"records"`
	}{Records: make([]answer, 0, len(ev.Records))}
	for _, r := range ev.Records {
		a := answer{RecordID: r.RecordID, Result: "Ok"}
		switch string(r.Data) {
		case "drop":
			a.Result = "Dropped"
		case "fail":
			a.Result, a.ErrorMessage = "ProcessingFailed", "record said fail"
		default:
			a.Data = bytes.ToUpper(r.Data)
			a.Metadata = map[string]any{"partitionKeys": keys}
		}
		out.Records = append(out.Records, a)
	}
	fmt.Fprintln(os.Stderr, "upper: answered", len(out.Records), "records")
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(2)
	}
}
