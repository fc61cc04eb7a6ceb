package console

import (
	"net/http"
	"slices"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/streams"
)

// Metric families the data stream pages read, per stream first and per
// shard (enhanced monitoring) after.
var (
	streamIncoming = []string{"sluice_kinesis_stream_incoming_records_total", "sluice_kinesis_shard_incoming_records_total"}
	streamAge      = []string{"sluice_kinesis_stream_iterator_age_milliseconds", "sluice_kinesis_shard_iterator_age_milliseconds"}
	shardIncoming  = []string{"sluice_kinesis_shard_incoming_records_total"}
	shardAge       = []string{"sluice_kinesis_shard_iterator_age_milliseconds"}
)

type streamRow struct {
	Name, Status   string
	Open, Closed   int
	RetentionHours int
	Mode           string
	Created        time.Time
	Records, Rate  string // from the metrics, "–" when unknown
}

func (c *Console) streamsPage(w http.ResponseWriter, r *http.Request, se *session) {
	if !se.allowed("kinesis:ListStreams", c.arns.Any()) {
		c.denied(w, r, se, "kinesis:ListStreams", c.arns.Any())
		return
	}
	list, more, err := c.cfg.Streams.ListStreams(r.Context(), "", MaxListed)
	if err != nil {
		c.engineError(w, r, se, err)
		return
	}
	rows := make([]streamRow, 0, len(list))
	for _, s := range list {
		row := streamRow{Name: s.Name, Status: string(s.Status), RetentionHours: s.RetentionHours, Mode: s.Mode, Created: s.Created, Records: "–", Rate: "–"}
		if row.Mode == "" {
			row.Mode = "PROVISIONED"
		}
		for _, sh := range s.Shards {
			if sh.Closed {
				row.Closed++
			} else {
				row.Open++
			}
		}
		m := map[string]string{"stream": s.Name}
		if v, ok := c.total(m, streamIncoming...); ok {
			row.Records = short(v)
		}
		if v, ok := c.rateChart("", "", m, streamIncoming...).P.Last(); ok {
			row.Rate = short(v)
		}
		rows = append(rows, row)
	}
	c.render(w, r, se, http.StatusOK, "streams", "Data streams", "streams", struct {
		Streams []streamRow
		More    bool
	}{rows, more})
}

type shardRow struct {
	streams.Shard
	Children      []string
	Records, Rate string
	IteratorAge   string
}

type consumerRow struct {
	Name, State string
	Freshness   time.Duration
	Checkpoint  string
}

func (c *Console) streamPage(w http.ResponseWriter, r *http.Request, se *session) {
	name := r.PathValue("name")
	res := c.arns.Stream(name)
	if !se.allowed("kinesis:DescribeStream", res) {
		c.denied(w, r, se, "kinesis:DescribeStream", res)
		return
	}
	s, err := c.cfg.Streams.DescribeStream(r.Context(), name)
	if err != nil {
		c.engineError(w, r, se, err)
		return
	}
	children := map[string][]string{}
	for _, sh := range s.Shards {
		for _, p := range []string{sh.ParentShardID, sh.AdjacentParentShardID} {
			if p != "" {
				children[p] = append(children[p], sh.ID)
			}
		}
	}
	var shards []shardRow
	for _, sh := range s.Shards {
		m := map[string]string{"stream": name, "shard": sh.ID}
		row := shardRow{Shard: sh, Children: children[sh.ID], Records: "–", Rate: "–", IteratorAge: "–"}
		if v, ok := c.total(m, shardIncoming...); ok {
			row.Records = short(v)
		}
		if v, ok := c.rateChart("", "", m, shardIncoming...).P.Last(); ok {
			row.Rate = short(v)
		}
		if v, ok := c.gaugeChart("", "", 1, m, shardAge...).P.Last(); ok {
			row.IteratorAge = short(v)
		}
		shards = append(shards, row)
	}
	// Delivery streams reading this stream: their lag is what is known of
	// its consumers without enhanced monitoring.
	var consumers []consumerRow
	if se.allowed("firehose:ListDeliveryStreams", c.arns.Any()) {
		names, err := c.cfg.Delivery.List(r.Context())
		if err == nil {
			for _, dn := range names[:min(len(names), MaxListed)] {
				def, st, err := c.cfg.Delivery.Describe(r.Context(), dn)
				if err != nil || def.Source.Kind != delivery.SourceDataStream || def.Source.Stream != name {
					continue
				}
				consumers = append(consumers, consumerRow{Name: dn, State: st.State, Freshness: st.OldestUndeliveredAge, Checkpoint: st.CheckpointText()})
			}
		}
	}
	// Enhanced fan-out consumers (RegisterStreamConsumer).
	var registered []streams.Consumer
	if se.allowed("kinesis:ListStreamConsumers", c.arns.Stream(name)) {
		if _, cs, err := c.cfg.Streams.Consumers(r.Context(), name); err == nil {
			registered = cs[:min(len(cs), MaxListed)]
		}
	}
	m := map[string]string{"stream": name}
	c.render(w, r, se, http.StatusOK, "stream", "Data stream "+name, "streams", struct {
		Stream     *streams.Stream
		Shards     []shardRow
		Consumers  []consumerRow
		Registered []streams.Consumer
		Incoming   chartData
		Age        chartData
		Monitored  bool
		CanTail    bool
	}{s, shards, consumers, registered,
		c.rateChart("Incoming records per second", "records/s", m, streamIncoming...),
		c.gaugeChart("Iterator age (slowest reader)", "ms", 1, m, streamAge...),
		len(s.ShardLevelMetrics) > 0, se.allowed("kinesis:GetRecords", c.arns.Stream(name))})
}

// openShards lists a stream's shards, open ones first, for the tail's
// shard picker.
func openShards(s *streams.Stream) []streams.Shard {
	out := slices.Clone(s.Shards)
	slices.SortStableFunc(out, func(a, b streams.Shard) int {
		switch {
		case a.Closed == b.Closed:
			return 0
		case !a.Closed:
			return -1
		}
		return 1
	})
	return out
}
