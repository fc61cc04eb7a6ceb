package format

import (
	"fmt"
	"testing"
)

// benchRecords are n JSON records of about 200 bytes.
func benchRecords(n int) (records [][]byte, size int) {
	for i := range n {
		r := fmt.Appendf(nil, `{"id":%d,"ts":"2024-05-01T12:%02d:%02d.%03dZ","device":"sensor-%04d","site":"plant-north","temp":%d.375,"humidity":0.%d,"ok":%t,"tags":["line-%d","shift-b"],"reading":{"value":%d.5,"unit":"C"}}`,
			1_000_000+i, i/60%60, i%60, i%1000, i%500, 15+i%20, 1000+i%9000, i%3 == 0, i%4, i%97)
		records = append(records, r)
		size += len(r)
	}
	return records, size
}

var benchSchema = []Field{
	{Name: "id", Type: TypeInt64, Required: true},
	{Name: "ts", Type: TypeTimestampMS, Required: true},
	{Name: "device", Type: TypeString, Required: true},
	{Name: "site", Type: TypeString},
	{Name: "temp", Type: TypeDouble},
	{Name: "humidity", Type: TypeDecimal, Precision: 6, Scale: 4},
	{Name: "ok", Type: TypeBoolean},
	{Name: "tags", Type: TypeList, Items: &Field{Type: TypeString}},
	{Name: "reading", Type: TypeStruct, Fields: []Field{
		{Name: "value", Type: TypeDouble},
		{Name: "unit", Type: TypeString},
	}},
}

// BenchmarkEncode encodes objects of 10,000 records of about 200 bytes;
// MB/s counts the records' bytes before encoding.
func BenchmarkEncode(b *testing.B) {
	records, size := benchRecords(10_000)
	for _, bc := range []struct {
		name string
		spec Spec
	}{
		{"parquet-zstd", Spec{Type: Parquet, Compression: Zstd, Schema: benchSchema}},
		{"jsonl-gzip", Spec{Compression: Gzip}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := New(bc.spec)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			var out int
			for b.Loop() {
				o := e.NewObject()
				for _, r := range records {
					if err := o.Add(r); err != nil {
						b.Fatal(err)
					}
				}
				body, err := o.Finish()
				if err != nil {
					b.Fatal(err)
				}
				out = len(body)
			}
			b.ReportMetric(float64(len(records)*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(out)/float64(size), "out/in")
		})
	}
}
