package e2e

import (
	"fmt"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/sinks/format"
)

// The two transforms the tests run, from transforms/ (built by
// scripts/build-wasm.sh): project (Go) keeps and renames fields; partition
// (AssemblyScript) sets a Lambda partition key from a field.
const (
	projectWasm   = "transforms/project/project.wasm"
	partitionWasm = "transforms/partition/partition.wasm"
)

// projectProcessor keeps id, key, n, temp, ts and sensor.site, renaming
// sensor.site to site and temp to celsius.
func projectProcessor() *delivery.Processor {
	return &delivery.Processor{Module: "project", Parameters: map[string]string{
		"FIELDS": "id,key,n,temp,ts,sensor.site",
		"RENAME": "sensor.site:site,temp:celsius",
	}}
}

// projectFormat is the Parquet schema of the projected records. With
// KeepUnknown a field the projection failed to drop would show in _extra.
func projectFormat() format.Spec {
	return format.Spec{Type: format.Parquet, Compression: format.Zstd, KeepUnknown: true, Schema: []format.Field{
		{Name: "id", Type: format.TypeString, Required: true},
		{Name: "key", Type: format.TypeString, Required: true},
		{Name: "n", Type: format.TypeInt64, Required: true},
		{Name: "celsius", Type: format.TypeDouble},
		{Name: "ts", Type: format.TypeTimestampMS, Required: true},
		{Name: "site", Type: format.TypeString, Required: true},
	}}
}

func projectRow(r *rec) map[string]any {
	return map[string]any{
		"id": r.id, "key": r.key, "n": int64(r.n), "celsius": r.temp(),
		"ts": r.ts().Format(time.RFC3339Nano), "site": siteOf(r.key), format.ExtraColumn: nil,
	}
}

func projectBad(r *rec) badWant {
	if r.kind == notJSON {
		return badWant{"processing-failed", "Lambda.ProcessingFailed", "not a JSON object", r.data}
	}
	n := r.id[len("bad-"):]
	return badWant{"format-conversion-failed", "DataFormatConversion.SchemaMismatch", `"n"`,
		fmt.Appendf(nil, `{"id":%q,"key":"bad","n":"n%s","site":"site-0","ts":%d}`, r.id, n, baseTS)}
}

// partitionProcessor sets the partition key site from sensor.site.
func partitionProcessor() *delivery.Processor {
	return &delivery.Processor{Module: "partition", Parameters: map[string]string{"KEYS": "site:sensor.site"}}
}

// partitionPrefix puts each site's records under its own prefix.
const partitionPrefix = "site=!{partitionKeyFromLambda:site}/!{timestamp:yyyy/MM/dd/HH}/"

// partitionFormat is the Parquet schema of the records as sent, with the
// nested sensor as a struct.
func partitionFormat() format.Spec {
	return format.Spec{Type: format.Parquet, Compression: format.Zstd, Schema: []format.Field{
		{Name: "id", Type: format.TypeString, Required: true},
		{Name: "key", Type: format.TypeString, Required: true},
		{Name: "n", Type: format.TypeInt64, Required: true},
		{Name: "temp", Type: format.TypeDouble},
		{Name: "ts", Type: format.TypeTimestampMS, Required: true},
		{Name: "sensor", Type: format.TypeStruct, Required: true, Fields: []format.Field{
			{Name: "site", Type: format.TypeString, Required: true},
			{Name: "serial", Type: format.TypeString, Required: true},
		}},
	}}
}

func partitionRow(r *rec) map[string]any {
	return map[string]any{
		"id": r.id, "key": r.key, "n": int64(r.n), "temp": r.temp(),
		"ts":     r.ts().Format(time.RFC3339Nano),
		"sensor": map[string]any{"site": siteOf(r.key), "serial": "sn-" + r.key},
	}
}

func partitionBad(r *rec) badWant {
	if r.kind == notJSON {
		return badWant{"processing-failed", "Lambda.ProcessingFailed", "record is not JSON", r.data}
	}
	return badWant{"format-conversion-failed", "DataFormatConversion.SchemaMismatch", `"n"`, r.data}
}

// buffering is the tests' hint: 4 MiB or 1 s.
func buffering() delivery.Buffering {
	return delivery.Buffering{SizeMiB: 4, IntervalSeconds: intp(1)}
}
