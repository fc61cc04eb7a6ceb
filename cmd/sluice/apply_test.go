package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePipelineExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "parquet-pipeline", "pipeline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := parsePipeline(data)
	if err != nil {
		t.Fatalf("example pipeline: %v", err)
	}
	if len(p.Streams) != 1 || p.Streams[0].Name != "sensors" || p.Streams[0].Shards != 4 || p.Streams[0].RetentionHours != 48 {
		t.Fatalf("streams %+v", p.Streams)
	}
	d := p.DeliveryStreams[0]
	if d.Name != "sensors-parquet" || d.Format.Type != "parquet" || d.Format.Compression != "zstd" || len(d.Format.Schema) != 5 ||
		d.Processor == nil || d.Processor.Module != "project" || d.Processor.Parameters["RENAME"] != "sensor.site:site" ||
		d.Destination.Folder == nil || d.Destination.PartitionQueries["site"] != ".site" || *d.Buffering.IntervalSeconds != 10 {
		t.Fatalf("delivery stream %+v", d)
	}
}

func TestParsePipelineErrors(t *testing.T) {
	cases := []struct{ name, file, want string }{
		{"empty", "", "the file is empty"},
		{"nothing", "streams: []\n", "nothing to apply"},
		{"not YAML", "streams: [\n", "not valid YAML"},
		{"unknown top-level", "stream:\n  - name: a\n", "stream: unknown field"},
		{"unknown nested", "deliveryStreams:\n  - name: d\n    buffering: {sizeMB: 5}\n", "deliveryStreams[0].buffering.sizeMB: unknown field"},
		{"unknown in schema", "deliveryStreams:\n  - name: d\n    format:\n      schema:\n        - {name: a, type: string}\n        - {name: b, typ: string}\n", "deliveryStreams[0].format.schema[1].typ: unknown field"},
		{"unknown in error store", "deliveryStreams:\n  - name: d\n    destination:\n      http:\n        errorStore: {folder: {pth: x}}\n", "deliveryStreams[0].destination.http.errorStore.folder.pth: unknown field"},
		{"wrong type", "deliveryStreams:\n  - name: d\n    buffering: {sizeMiB: five}\n", "deliveryStreams[0].buffering.sizeMiB: expected int"},
		{"stream without name", "streams:\n  - shards: 1\n", "streams[0].name is required"},
		{"stream without shards", "streams:\n  - name: a\n", "streams[0] (a).shards must be at least 1"},
		{"retention", "streams:\n  - {name: a, shards: 1, retentionHours: 9000}\n", "retentionHours 9000 is outside 24..8760"},
		{"duplicate stream", "streams:\n  - {name: a, shards: 1}\n  - {name: a, shards: 2}\n", "streams[1]: stream a is also declared at streams[0]"},
		{"delivery without name", "deliveryStreams:\n  - source: {kind: DirectPut}\n", "deliveryStreams[0].name is required"},
		{"bad delivery name", "deliveryStreams:\n  - name: a b\n", "deliveryStreams[0].name:"},
		{"duplicate delivery", "deliveryStreams:\n  - name: d\n  - name: d\n", "deliveryStreams[1]: delivery stream d is also declared at deliveryStreams[0]"},
		{"server fields", "deliveryStreams:\n  - name: d\n    version: 3\n", "set by the server"},
		{"warnings", "deliveryStreams:\n  - name: d\n    warnings: [x]\n", "set by the server"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parsePipeline([]byte(c.file))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestFilePath(t *testing.T) {
	for in, want := range map[string]string{
		"deliveryStreams.0.buffering.sizeMiB": "deliveryStreams[0].buffering.sizeMiB",
		"streams.12.shards":                   "streams[12].shards",
		"streams":                             "streams",
	} {
		if got := filePath(in); got != want {
			t.Errorf("filePath(%q) = %q, want %q", in, got, want)
		}
	}
}
