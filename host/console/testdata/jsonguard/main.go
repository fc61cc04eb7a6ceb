// Command jsonguard is the console tests' transform, a WASI command: a
// record whose data is a JSON object is Ok (unchanged), any other record
// ProcessingFailed with a reason, so the error output browser has failed
// records to show.
package main

import (
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
	RecordID     string `json:"recordId"`
	Result       string `json:"result"`
	Data         []byte `json:"data,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

func main() {
	var ev event
	if err := json.NewDecoder(os.Stdin).Decode(&ev); err != nil {
		fmt.Fprintln(os.Stderr, "decode event:", err)
		os.Exit(2)
	}
	out := struct {
		Records []answer `json:"records"`
	}{Records: make([]answer, 0, len(ev.Records))}
	for _, r := range ev.Records {
		a := answer{RecordID: r.RecordID, Result: "Ok", Data: r.Data}
		var obj map[string]any
		if err := json.Unmarshal(r.Data, &obj); err != nil {
			a.Result, a.ErrorMessage = "ProcessingFailed", "not a JSON object: "+err.Error()
		}
		out.Records = append(out.Records, a)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(3)
	}
}
