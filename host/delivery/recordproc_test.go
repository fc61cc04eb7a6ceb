package delivery

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// gz gzips b.
func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cwlPayload is a CloudWatch Logs subscription payload (not yet gzipped)
// with one log event per message.
func cwlPayload(t testing.TB, messageType string, messages ...string) []byte {
	t.Helper()
	type event struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	p := struct {
		MessageType         string   `json:"messageType"`
		Owner               string   `json:"owner"`
		LogGroup            string   `json:"logGroup"`
		LogStream           string   `json:"logStream"`
		SubscriptionFilters []string `json:"subscriptionFilters"`
		LogEvents           []event  `json:"logEvents"`
	}{MessageType: messageType, Owner: "123456789012", LogGroup: "/app", LogStream: "i-1", SubscriptionFilters: []string{"all"}}
	if messageType == cwlControl {
		p.Owner, p.LogGroup, p.LogStream, p.SubscriptionFilters = "CloudwatchLogs", "", "", []string{}
	}
	for i, m := range messages {
		p.LogEvents = append(p.LogEvents, event{ID: fmt.Sprint(i), Timestamp: 1700000000000 + int64(i), Message: m})
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantFailure is what a test expects of an error record.
type wantFailure struct {
	kind, code string
	raw        []byte
}

// procCase is one delivery stream with record processors: the records put
// to it directly, what is delivered, what goes to the error output and how
// many are dropped.
type procCase struct {
	name    string
	procs   []RecordProcessor
	in      [][]byte
	want    []string // delivered records, in order
	failed  []wantFailure
	dropped int
}

// procCases are the record processors' cases, shared by the tests of this
// package and kept small: each processor with good and bad input.
func procCases(t testing.TB) []procCase {
	decompress := RecordProcessor{Type: ProcDecompression}
	cwl := RecordProcessor{Type: ProcCloudWatchLogs}
	jsonSplit := RecordProcessor{Type: ProcDeaggregation, SubRecordType: SubRecordJSON}
	many := bytes.Repeat([]byte(`{"a":1}`), MaxSubRecords+1)
	return []procCase{
		{
			name:  "decompression",
			procs: []RecordProcessor{decompress},
			in:    [][]byte{gz(t, []byte(`{"x":1}`)), []byte("not gzip"), gz(t, make([]byte, MaxDecompressedBytes+1)), gz(t, []byte(`{"x":2}`))[:20]},
			want:  []string{`{"x":1}`},
			failed: []wantFailure{
				{"decompression-failed", codeDecompressionFailed, []byte("not gzip")},
				{"decompression-failed", codeDecompressedTooBig, gz(t, make([]byte, MaxDecompressedBytes+1))},
				{"decompression-failed", codeDecompressionFailed, gz(t, []byte(`{"x":2}`))[:20]},
			},
		},
		{
			name:  "CloudWatch Logs message extraction",
			procs: []RecordProcessor{cwl, decompress}, // in any order: applied in Firehose's
			in: [][]byte{
				gz(t, cwlPayload(t, cwlData, "first line", `{"level":"warn"}`, "third")),
				gz(t, cwlPayload(t, cwlControl, "CWL CONTROL MESSAGE: Checking health of destination Firehose.")),
				gz(t, []byte(`{"messageType":"SOMETHING_ELSE","logEvents":[]}`)),
				gz(t, []byte("plain text, gzipped")),
				[]byte("not gzip"),
				gz(t, cwlPayload(t, cwlData, "last")),
			},
			want: []string{"first line", `{"level":"warn"}`, "third", "last"},
			failed: []wantFailure{
				{"processing-failed", codeNotCloudWatchLogs, []byte(`{"messageType":"SOMETHING_ELSE","logEvents":[]}`)},
				{"processing-failed", codeNotCloudWatchLogs, []byte("plain text, gzipped")},
				{"decompression-failed", codeDecompressionFailed, []byte("not gzip")},
			},
			dropped: 1, // the control message
		},
		{
			name:  "JSON de-aggregation",
			procs: []RecordProcessor{jsonSplit},
			in: [][]byte{
				[]byte(`{"a":1}{"a":2}`),
				[]byte("{\"a\":3}\n{\"b\":{\"c\":[1,2]}}\n"),
				[]byte(`[{"a":4},{"a":5}]`),
				[]byte(`{"a":6} trailing`),
				[]byte(``),
				many,
				[]byte(` {"a":7} `),
			},
			want: []string{`{"a":1}`, `{"a":2}`, `{"a":3}`, `{"b":{"c":[1,2]}}`, `{"a":7}`},
			failed: []wantFailure{
				{"processing-failed", codeDeaggregationBad, []byte(`[{"a":4},{"a":5}]`)},
				{"processing-failed", codeDeaggregationBad, []byte(`{"a":6} trailing`)},
				{"processing-failed", codeDeaggregationBad, []byte(``)},
				{"processing-failed", codeTooManySubRecords, many},
			},
		},
		{
			name:  "delimited de-aggregation",
			procs: []RecordProcessor{{Type: ProcDeaggregation, SubRecordType: SubRecordDelimited, Delimiter: "##"}},
			in:    [][]byte{[]byte("a##b##c"), []byte("d##e##"), []byte("f"), []byte("g####h")},
			want:  []string{"a", "b", "c", "d", "e", "f", "g", "", "h"},
		},
		{
			name:  "all three",
			procs: []RecordProcessor{jsonSplit, decompress, cwl},
			in: [][]byte{
				gz(t, cwlPayload(t, cwlData, `{"m":1}{"m":2}`, "not json", `{"m":3}`)),
			},
			want:    []string{`{"m":1}`, `{"m":2}`, `{"m":3}`},
			failed:  []wantFailure{{"processing-failed", codeDeaggregationBad, []byte("not json")}},
			dropped: 0,
		},
	}
}

// Each record processor, with good and bad input, through a direct-put
// delivery stream: good records are delivered as the processor makes
// them, bad ones go to the error output with the data the processor was
// given, and the rest of the batch is delivered.
func TestRecordProcessors(t *testing.T) {
	e := newEnv(t)
	for i, c := range procCases(t) {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			name := fmt.Sprintf("procs%d", i)
			def := folderDef(name, out)
			def.Processors = c.procs
			e.create(def)
			e.waitCheckpoint(name, lastID(t, e.put(name, c.in)))
			checkProcCase(t, c, objects(t, out))
			st := e.status(name)
			if want := len(c.want) + len(c.failed) + c.dropped; st.DeaggregatedRecords != int64(want) ||
				st.DeliveredRecords != int64(len(c.want)) || st.ErrorRecords != int64(len(c.failed)) || st.DroppedRecords != int64(c.dropped) {
				t.Fatalf("status: %d records after the processors (want %d), %d delivered, %d errors, %d dropped",
					st.DeaggregatedRecords, want, st.DeliveredRecords, st.ErrorRecords, st.DroppedRecords)
			}
		})
	}
}

// checkProcCase checks a folder against a case: the delivered records in
// order, and the error records (of any type) as a set.
func checkProcCase(t *testing.T, c procCase, objs map[string][]byte) {
	t.Helper()
	var got []string
	for _, k := range sortedKeys(objs, "") {
		if !strings.HasPrefix(k, "errors/") {
			got = append(got, lines(objs[k])...)
		}
	}
	if !slices.Equal(got, c.want) {
		t.Errorf("delivered %q, want %q", got, c.want)
	}
	var failed []wantFailure
	for _, kind := range []string{"decompression-failed", "processing-failed"} {
		for _, er := range errorLines(t, objs, "errors/"+kind+"/") {
			failed = append(failed, wantFailure{kind, er.ErrorCode, er.RawData})
			if er.ErrorMessage == "" || er.LambdaArn != "" {
				t.Errorf("error record %+v", er)
			}
		}
	}
	key := func(f wantFailure) string { return f.kind + " " + f.code + " " + string(f.raw) }
	var gotKeys, wantKeys []string
	for _, f := range failed {
		gotKeys = append(gotKeys, key(f))
	}
	for _, f := range c.failed {
		wantKeys = append(wantKeys, key(f))
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("error output (%d records):\n%q\nwant (%d):\n%q", len(gotKeys), gotKeys, len(wantKeys), wantKeys)
	}
}

// The record processors run before the transform: it gets one record per
// CloudWatch Logs event, each with its own record id.
func TestRecordProcessorsBeforeTransform(t *testing.T) {
	e := newEnv(t)
	e.push("meta", "runtime/testdata/c_meta.wasm")
	out := t.TempDir()
	def := folderDef("cwl", out)
	def.Processors = []RecordProcessor{{Type: ProcDecompression}, {Type: ProcCloudWatchLogs}}
	def.Processor = &Processor{Module: "meta"}
	e.create(def)
	ids := e.put("cwl", [][]byte{gz(t, cwlPayload(t, cwlData, "one", "two")), gz(t, cwlPayload(t, cwlData, "three"))})
	e.waitCheckpoint("cwl", lastID(t, ids))
	var got []string
	for _, k := range sortedKeys(objects(t, out), "") {
		got = append(got, lines(objects(t, out)[k])...)
	}
	a, b := strings.TrimLeft(ids[0], "0"), strings.TrimLeft(ids[1], "0")
	want := []string{a + "/0||0|ONE", a + "/1||0|TWO", b + "/0||0|THREE"}
	if !slices.Equal(got, want) {
		t.Fatalf("the transform answered %q, want %q", got, want)
	}
}

// Validation of the record processors of a definition.
func TestRecordProcessorsValidation(t *testing.T) {
	f := false
	tests := []struct {
		name  string
		procs []RecordProcessor
		want  string // "" for valid
	}{
		{"decompression", []RecordProcessor{{Type: ProcDecompression, CompressionFormat: "GZIP"}}, ""},
		{"all, in any order", []RecordProcessor{{Type: ProcDeaggregation, SubRecordType: SubRecordJSON}, {Type: ProcCloudWatchLogs}, {Type: ProcDecompression}}, ""},
		{"unknown type", []RecordProcessor{{Type: "Lambda"}}, `type "Lambda" must be`},
		{"twice", []RecordProcessor{{Type: ProcDecompression}, {Type: ProcDecompression}}, "only one Decompression"},
		{"not gzip", []RecordProcessor{{Type: ProcDecompression, CompressionFormat: "ZSTD"}}, "must be GZIP"},
		{"a field of another processor", []RecordProcessor{{Type: ProcDecompression, SubRecordType: SubRecordJSON}}, "Decompression takes no subRecordType"},
		{"CloudWatch Logs without decompression", []RecordProcessor{{Type: ProcCloudWatchLogs}}, "needs a Decompression processor"},
		{"CloudWatch Logs without extraction", []RecordProcessor{{Type: ProcDecompression}, {Type: ProcCloudWatchLogs, DataMessageExtraction: &f}}, "dataMessageExtraction: true"},
		{"no sub-record type", []RecordProcessor{{Type: ProcDeaggregation}}, `subRecordType "" must be JSON or DELIMITED`},
		{"delimited without a delimiter", []RecordProcessor{{Type: ProcDeaggregation, SubRecordType: SubRecordDelimited}}, "needs a delimiter"},
		{"JSON with a delimiter", []RecordProcessor{{Type: ProcDeaggregation, SubRecordType: SubRecordJSON, Delimiter: ","}}, "takes no delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := folderDef("v", t.TempDir())
			d.Processors = tt.procs
			err := normalize(&d)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				var types []string
				for _, p := range d.Processors {
					types = append(types, p.Type)
				}
				if len(types) == len(procOrder) && !slices.Equal(types, procOrder) {
					t.Fatalf("processors %v, want Firehose's order %v", types, procOrder)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
	d := folderDef("v", t.TempDir())
	d.Processors = []RecordProcessor{}
	if err := normalize(&d); err != nil || d.Processors != nil {
		t.Fatalf("an empty list: %v, %+v (want nil, so applying it again changes nothing)", err, d.Processors)
	}
}
