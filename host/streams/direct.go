package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// directRequest is JetStream's direct get request (JSApiMsgGetRequest);
// nats.go has no helper for the batch form, so the engine speaks it.
type directRequest struct {
	Seq       uint64     `json:"seq,omitempty"`
	LastFor   string     `json:"last_by_subj,omitempty"`
	NextFor   string     `json:"next_by_subj,omitempty"`
	Batch     int        `json:"batch,omitempty"`
	MaxBytes  int        `json:"max_bytes,omitempty"`
	StartTime *time.Time `json:"start_time,omitempty"`
	// MultiLastFor with UpToSeq or UpToTime asks for the last message of
	// each subject at or before a sequence, or before a time.
	MultiLastFor []string   `json:"multi_last,omitempty"`
	UpToSeq      uint64     `json:"up_to_seq,omitempty"`
	UpToTime     *time.Time `json:"up_to_time,omitempty"`
}

// storedMsg is one message a direct get returned.
type storedMsg struct {
	Subject string
	Seq     uint64
	Time    time.Time
	Header  nats.Header
	Data    []byte
}

// directResult is what a direct get answered.
type directResult struct {
	Msgs []storedMsg
	// Pending is how many messages matching the filter follow the batch
	// (batch requests only).
	Pending uint64
}

// Status codes in direct get replies.
const (
	statusEOB          = "204"
	statusNotFound     = "404"
	statusNoResponders = "503"
)

// directGet sends a direct get to the stream's $JS.API.DIRECT.GET subject
// and gathers the replies: one message (or 404) for a single get; the
// batch then an end-of-batch marker for a batch get. A missing stream is
// ErrNotFound; no matching message is an empty result.
func (e *Engine) directGet(ctx context.Context, stream string, req directRequest) (*directResult, error) {
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	inbox := e.nc.NewInbox()
	sub, err := e.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, fmt.Errorf("direct get: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := e.nc.PublishRequest("$JS.API.DIRECT.GET."+stream, inbox, body); err != nil {
		return nil, fmt.Errorf("direct get: %w", err)
	}
	res := &directResult{}
	for {
		m, err := sub.NextMsgWithContext(ctx)
		if errors.Is(err, nats.ErrNoResponders) {
			return nil, e.storageNotFound(stream)
		}
		if err != nil {
			return nil, fmt.Errorf("direct get: %w", err)
		}
		if status := m.Header.Get("Status"); status != "" {
			switch status {
			case statusEOB:
				res.Pending, _ = strconv.ParseUint(m.Header.Get("Nats-Num-Pending"), 10, 64)
				return res, nil
			case statusNotFound:
				return res, nil
			case statusNoResponders:
				return nil, e.storageNotFound(stream)
			default:
				return nil, fmt.Errorf("direct get: status %s %s", status, m.Header.Get("Description"))
			}
		}
		sm, err := parseStored(m)
		if err != nil {
			return nil, err
		}
		res.Msgs = append(res.Msgs, sm)
		if req.Batch == 0 {
			return res, nil
		}
	}
}

// storageNotFound is the error for a JetStream stream that is gone: its
// data stream is not found (deleted, perhaps by another host).
func (e *Engine) storageNotFound(stream string) error {
	name, _, _ := strings.Cut(strings.TrimPrefix(stream, jsPrefix), "=") // a part's "=g<g>"
	return e.notFound(strings.ReplaceAll(name, "~", "."))
}

// storageInfo returns the state of a data stream's JetStream stream; one
// that is gone is ErrNotFound.
func (e *Engine) storageInfo(ctx context.Context, name string) (*jetstream.StreamInfo, error) {
	return e.jsInfo(ctx, name, jsName(name))
}

// jsInfo is the state of the JetStream stream js holding (part of) the
// data stream name.
func (e *Engine) jsInfo(ctx context.Context, name, js string) (*jetstream.StreamInfo, error) {
	st, err := e.js.Stream(ctx, js)
	if err == nil {
		var info *jetstream.StreamInfo
		if info, err = st.Info(ctx); err == nil {
			return info, nil
		}
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, e.notFound(name)
	}
	return nil, err
}

func parseStored(m *nats.Msg) (storedMsg, error) {
	seq, err := strconv.ParseUint(m.Header.Get("Nats-Sequence"), 10, 64)
	if err != nil {
		return storedMsg{}, fmt.Errorf("direct get: bad Nats-Sequence: %w", err)
	}
	ts, err := time.Parse(time.RFC3339Nano, m.Header.Get("Nats-Time-Stamp"))
	if err != nil {
		return storedMsg{}, fmt.Errorf("direct get: bad Nats-Time-Stamp: %w", err)
	}
	return storedMsg{Subject: m.Header.Get("Nats-Subject"), Seq: seq, Time: ts, Header: m.Header, Data: m.Data}, nil
}
