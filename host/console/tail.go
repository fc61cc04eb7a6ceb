package console

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/sluice-io/sluice/host/streams"
)

func (c *Console) tailPage(w http.ResponseWriter, r *http.Request, se *session) {
	name := r.PathValue("name")
	res := c.arns.Stream(name)
	if !se.allowed("kinesis:GetRecords", res) {
		c.denied(w, r, se, "kinesis:GetRecords", res)
		return
	}
	s, err := c.cfg.Streams.DescribeStream(r.Context(), name)
	if err != nil {
		c.engineError(w, r, se, err)
		return
	}
	shards := openShards(s)
	shard := r.URL.Query().Get("shard")
	if shard == "" && len(shards) > 0 {
		shard = shards[0].ID
	}
	from := r.URL.Query().Get("from")
	if from != "TRIM_HORIZON" {
		from = "LATEST"
	}
	c.render(w, r, se, http.StatusOK, "tail", "Live tail of "+name, "streams", struct {
		Stream      string
		Shards      []streams.Shard
		Shard, From string
	}{name, shards, shard, from})
}

// tailRecord is one record of the tail, its data as text when it is
// UTF-8 and base64 otherwise, cut at MaxShownBytes.
type tailRecord struct {
	Sequence     string    `json:"sequenceNumber"`
	Arrival      time.Time `json:"arrival"`
	PartitionKey string    `json:"partitionKey"`
	Data         string    `json:"data"`
	Base64       bool      `json:"base64,omitempty"`
	Truncated    bool      `json:"truncated,omitempty"`
}

type tailAnswer struct {
	Records            []tailRecord `json:"records"`
	NextIterator       string       `json:"nextIterator"`
	MillisBehindLatest int64        `json:"millisBehindLatest"`
	Error              string       `json:"error,omitempty"`
}

// tailAPI is one poll of the live tail: GetRecords on the iterator given,
// or on a new one (stream, shard, from) for the first poll.
func (c *Console) tailAPI(w http.ResponseWriter, r *http.Request, se *session) {
	q := r.URL.Query()
	name := q.Get("stream")
	res := c.arns.Stream(name)
	answer := func(status int, a tailAnswer) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(a)
	}
	if !se.allowed("kinesis:GetRecords", res) {
		answer(http.StatusForbidden, tailAnswer{Error: "Your access key may not do kinesis:GetRecords on " + res.ARN + "."})
		return
	}
	it := q.Get("iterator")
	if it == "" {
		from := q.Get("from")
		if from != "TRIM_HORIZON" {
			from = "LATEST"
		}
		var err error
		if it, err = c.cfg.Streams.GetShardIterator(r.Context(), name, q.Get("shard"), streams.IteratorRequest{Type: from}); err != nil {
			answer(statusOf(err), tailAnswer{Error: err.Error()})
			return
		}
	}
	out, err := c.cfg.Streams.GetRecords(r.Context(), it, MaxTailRecords)
	if err != nil {
		answer(statusOf(err), tailAnswer{Error: err.Error()})
		return
	}
	defer out.Release()
	a := tailAnswer{Records: []tailRecord{}, NextIterator: out.NextIterator, MillisBehindLatest: out.MillisBehindLatest}
	for _, rec := range out.Records {
		d, cut := rec.Data, false
		if len(d) > MaxShownBytes {
			d, cut = d[:MaxShownBytes], true
		}
		tr := tailRecord{Sequence: rec.SequenceNumber, Arrival: rec.Arrival, PartitionKey: rec.PartitionKey, Truncated: cut}
		if utf8.Valid(d) {
			tr.Data = string(d)
		} else {
			tr.Data, tr.Base64 = base64.StdEncoding.EncodeToString(d), true
		}
		a.Records = append(a.Records, tr)
	}
	answer(http.StatusOK, a)
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, streams.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, streams.ErrValidation), errors.Is(err, streams.ErrInvalidArgument), errors.Is(err, streams.ErrExpiredIterator):
		return http.StatusBadRequest
	case errors.Is(err, streams.ErrThroughput):
		return http.StatusTooManyRequests
	}
	return http.StatusServiceUnavailable
}
