package streams

import (
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestStreamMeterHammer: puts, reads and scrapes at once (run with
// -race) count every record, the iterator age is the largest of the
// shards', a re-created stream counts anew and a gone one is dropped.
func TestStreamMeterHammer(t *testing.T) {
	var m streamMeter
	s := &Stream{Name: "s", ID: 1, Status: StatusActive, Shards: []Shard{{ID: "a"}, {ID: "b"}}}
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m.counts(s).inRecords.Add(1)
				m.read(s, []string{"a", "b"}[w%2], OpGetRecords, []StoredRecord{{Data: []byte("xy")}}, int64(w*10))
				if i%50 == 0 {
					ch := make(chan prometheus.Metric, 64)
					m.collect([]*Stream{s}, ch)
				}
			}
		}()
	}
	wg.Wait()
	got := collected(t, &m, s)
	for k, want := range map[string]float64{
		"sluice_kinesis_stream_incoming_records_total":               workers * each,
		"sluice_kinesis_stream_outgoing_records_total/GetRecords":    workers * each,
		"sluice_kinesis_stream_outgoing_bytes_total/GetRecords":      2 * workers * each,
		"sluice_kinesis_stream_iterator_age_milliseconds/GetRecords": 0, // set below
	} {
		if k == "sluice_kinesis_stream_iterator_age_milliseconds/GetRecords" {
			// Shard a's last answer came from an even worker, b's from an
			// odd one; the largest possible is 70.
			if v := got[k]; v < 10 || v > 70 {
				t.Errorf("%s = %v", k, v)
			}
			continue
		}
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	again := &Stream{Name: "s", ID: 2, Status: StatusActive, Shards: s.Shards}
	if v := collected(t, &m, again)["sluice_kinesis_stream_incoming_records_total"]; v != 0 {
		t.Errorf("a re-created stream starts at %v", v)
	}
	ch := make(chan prometheus.Metric, 64)
	m.collect(nil, ch)
	if len(ch) != 0 || len(m.streams) != 0 {
		t.Errorf("a gone stream still has %d series, %d entries", len(ch), len(m.streams))
	}
}

// collected is what one collection of s says, by series name (and
// "/operation").
func collected(t *testing.T, m *streamMeter, s *Stream) map[string]float64 {
	t.Helper()
	names := map[*prometheus.Desc]string{
		streamIncomingRecords: "sluice_kinesis_stream_incoming_records_total",
		streamOutgoingRecords: "sluice_kinesis_stream_outgoing_records_total",
		streamOutgoingBytes:   "sluice_kinesis_stream_outgoing_bytes_total",
		streamIteratorAge:     "sluice_kinesis_stream_iterator_age_milliseconds",
	}
	ch := make(chan prometheus.Metric, 64)
	m.collect([]*Stream{s}, ch)
	close(ch)
	out := map[string]float64{}
	for pm := range ch {
		name, ok := names[pm.Desc()]
		if !ok {
			continue
		}
		var d dto.Metric
		if err := pm.Write(&d); err != nil {
			t.Fatal(err)
		}
		for _, l := range d.Label {
			if l.GetName() == "operation" {
				name += "/" + l.GetValue()
			}
		}
		out[name] = d.GetCounter().GetValue() + d.GetGauge().GetValue()
	}
	return out
}
