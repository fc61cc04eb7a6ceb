package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		// Sluice fails the batch with the exit status and this line.
		fmt.Fprintln(os.Stderr, "syslog:", err)
		os.Exit(1)
	}
}

// run transforms one event read from in and writes the response to out.
func run(in io.Reader, out io.Writer) error {
	var ev event
	if err := json.NewDecoder(in).Decode(&ev); err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	resp := response{Records: make([]responseRecord, 0, len(ev.Records))}
	for _, r := range ev.Records {
		resp.Records = append(resp.Records, transform(r))
	}
	if err := json.NewEncoder(out).Encode(resp); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

// transform parses one record. The arrival time supplies the year an RFC
// 3164 timestamp leaves out.
func transform(r eventRecord) responseRecord {
	msg, err := parse(r.Data, time.UnixMilli(r.ApproximateArrivalTimestamp).UTC())
	if err != nil {
		return responseRecord{RecordID: r.RecordID, Result: resultProcessingFailed, ErrorMessage: err.Error()}
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return responseRecord{RecordID: r.RecordID, Result: resultProcessingFailed, ErrorMessage: err.Error()}
	}
	return responseRecord{RecordID: r.RecordID, Result: resultOk, Data: data}
}
