package streams

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Operations that read a stream, the operation label of the stream-level
// read series.
const (
	OpGetRecords       = "GetRecords"
	OpSubscribeToShard = "SubscribeToShard"
)

// readOps are the operation label values, in the order served.
var readOps = []string{OpGetRecords, OpSubscribeToShard}

// Stream-level series: every stream, whether or not it enabled enhanced
// monitoring (that adds the shard-level ones of monitoring.go).
var (
	streamIncomingRecords = prometheus.NewDesc("sluice_kinesis_stream_incoming_records_total",
		"Records stored in the stream by PutRecord and PutRecords (IncomingRecords).", []string{"stream"}, nil)
	streamIncomingBytes = prometheus.NewDesc("sluice_kinesis_stream_incoming_bytes_total",
		"Data and partition key bytes stored in the stream (IncomingBytes).", []string{"stream"}, nil)
	streamWriteExceeded = prometheus.NewDesc("sluice_kinesis_stream_write_throughput_exceeded_total",
		"Records refused with ProvisionedThroughputExceededException (WriteProvisionedThroughputExceeded).", []string{"stream"}, nil)
	streamReadExceeded = prometheus.NewDesc("sluice_kinesis_stream_read_throughput_exceeded_total",
		"GetRecords calls refused with ProvisionedThroughputExceededException (ReadProvisionedThroughputExceeded).", []string{"stream"}, nil)
	streamOutgoingRecords = prometheus.NewDesc("sluice_kinesis_stream_outgoing_records_total",
		"Records read from the stream, by operation: GetRecords (GetRecords.Records) or SubscribeToShard events (SubscribeToShardEvent.Records).", []string{"stream", "operation"}, nil)
	streamOutgoingBytes = prometheus.NewDesc("sluice_kinesis_stream_outgoing_bytes_total",
		"Data bytes read from the stream, by operation (GetRecords.Bytes, SubscribeToShardEvent.Bytes).", []string{"stream", "operation"}, nil)
	streamIteratorAge = prometheus.NewDesc("sluice_kinesis_stream_iterator_age_milliseconds",
		"How far readers are behind the newest record: the largest, over the stream's shards, of the MillisBehindLatest of each shard's last answer, by operation (GetRecords.IteratorAgeMilliseconds, SubscribeToShardEvent.MillisBehindLatest); 0 once caught up.", []string{"stream", "operation"}, nil)
)

// streamCounts are one stream's counters; behind holds, per operation,
// the last MillisBehindLatest of each shard read.
type streamCounts struct {
	id                          uint64 // the stream's identity (a re-created stream counts anew)
	inRecords, inBytes          atomic.Int64
	writeExceeded, readExceeded atomic.Int64
	outRecords, outBytes        [2]atomic.Int64 // by readOps index
	mu                          sync.Mutex
	behind                      [2]map[string]int64 // shard → ms, by readOps index
}

// streamMeter counts every stream's stream-level series.
//
// Bound: one entry per stream still in the engine's definitions (and, in
// each, one number per shard read); entries of deleted or re-created
// streams are dropped at each collection.
type streamMeter struct {
	mu      sync.RWMutex
	streams map[string]*streamCounts
}

func (m *streamMeter) counts(s *Stream) *streamCounts {
	// A put counts each record: the common case takes only the read lock.
	m.mu.RLock()
	c := m.streams[s.Name]
	m.mu.RUnlock()
	if c != nil && c.id == s.ID {
		return c
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.streams == nil {
		m.streams = map[string]*streamCounts{}
	}
	c = m.streams[s.Name]
	if c == nil || c.id != s.ID {
		c = &streamCounts{id: s.ID}
		m.streams[s.Name] = c
	}
	return c
}

func opIndex(op string) int {
	if op == OpSubscribeToShard {
		return 1
	}
	return 0
}

// read counts an answer of op from a shard: its records, their data
// bytes and how far it is behind the newest record.
func (m *streamMeter) read(s *Stream, shard, op string, recs []StoredRecord, behindMs int64) {
	c := m.counts(s)
	i := opIndex(op)
	bytes := 0
	for _, r := range recs {
		bytes += len(r.Data)
	}
	c.outRecords[i].Add(int64(len(recs)))
	c.outBytes[i].Add(int64(bytes))
	c.mu.Lock()
	if c.behind[i] == nil {
		c.behind[i] = map[string]int64{}
	}
	c.behind[i][shard] = behindMs
	c.mu.Unlock()
}

// collect sends the series of every usable stream of all and drops the
// counters of the others.
func (m *streamMeter) collect(all []*Stream, ch chan<- prometheus.Metric) {
	keep := map[string]bool{}
	for _, s := range all {
		if !usable(s) {
			continue
		}
		keep[s.Name] = true
		c := m.counts(s)
		counter := func(d *prometheus.Desc, v int64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append([]string{s.Name}, labels...)...)
		}
		counter(streamIncomingRecords, c.inRecords.Load())
		counter(streamIncomingBytes, c.inBytes.Load())
		counter(streamWriteExceeded, c.writeExceeded.Load())
		counter(streamReadExceeded, c.readExceeded.Load())
		shards := map[string]bool{}
		for _, sh := range s.Shards {
			shards[sh.ID] = true
		}
		for i, op := range readOps {
			counter(streamOutgoingRecords, c.outRecords[i].Load(), op)
			counter(streamOutgoingBytes, c.outBytes[i].Load(), op)
			age := int64(0)
			c.mu.Lock()
			for shard, ms := range c.behind[i] {
				if !shards[shard] {
					delete(c.behind[i], shard) // gone from the stream (a reshard's parent expired)
					continue
				}
				age = max(age, ms)
			}
			c.mu.Unlock()
			ch <- prometheus.MustNewConstMetric(streamIteratorAge, prometheus.GaugeValue, float64(age), s.Name, op)
		}
	}
	m.mu.Lock()
	for name := range m.streams {
		if !keep[name] {
			delete(m.streams, name)
		}
	}
	m.mu.Unlock()
}

func describeStreamSeries(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{streamIncomingRecords, streamIncomingBytes, streamWriteExceeded,
		streamReadExceeded, streamOutgoingRecords, streamOutgoingBytes, streamIteratorAge} {
		ch <- d
	}
}
