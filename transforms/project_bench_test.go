package transforms

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/runtime"
)

// benchJSONRecord returns record i of a JSON benchmark batch: an object of
// size bytes (padded by its "msg" field), with unsorted keys, as a
// log shipper might send.
func benchJSONRecord(size, i int) []byte {
	head := fmt.Sprintf(`{"id":%d,"level":"info","status":200,"ms":12.5,"host":"edge-node-04","msg":"`, i)
	pad := max(size-len(head)-2, 0)
	return []byte(head + strings.Repeat(string(rune('a'+i%26)), pad) + `"}`)
}

// BenchmarkProject times batches of benchBatchRecords JSON records through
// the project transform on one warm instance, keeping four fields and
// renaming one.
func BenchmarkProject(b *testing.B) {
	r := newRuntime(b)
	for _, size := range benchSizes {
		batch := &runtime.Batch{InvocationID: "bench", DeliveryStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/bench", Region: "us-east-1"}
		for i := range benchBatchRecords {
			batch.Records = append(batch.Records, runtime.Record{RecordID: fmt.Sprintf("%06d", i), ArrivalTime: baseArrival, Data: benchJSONRecord(size, i)})
		}
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			m := load(b, r, "project", projectWasm, runtime.ModuleConfig{
				Limits: runtime.Limits{Instances: 1},
				Grants: runtime.Grants{Env: map[string]string{"FIELDS": "id,level,status,ms", "RENAME": "ms:latency_ms"}},
			})
			resp, err := m.Transform(context.Background(), batch)
			if err != nil {
				b.Fatal(err)
			}
			for _, res := range resp.Records {
				if res.Status != runtime.StatusOk || !strings.HasPrefix(string(res.Data), `{"id":`) || !strings.Contains(string(res.Data), `"latency_ms":12.5`) {
					b.Fatalf("record %s: %v %s", res.RecordID, res.Status, res.Data)
				}
			}
			b.SetBytes(int64(size * benchBatchRecords))
			for b.Loop() {
				if _, err := m.Transform(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			reportPerRecord(b)
		})
	}
}
