package streams

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/internal/jstest"
)

// startPublisher is a publisher on a real JetStream server, with a stream
// "P" taking subjects p.>.
func startPublisher(t *testing.T) (*Publisher, *jstest.Server) {
	t.Helper()
	js := jstest.Start(t, "")
	if _, err := js.JS.CreateStream(context.Background(), jetstream.StreamConfig{Name: "P", Subjects: []string{"p.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	p, err := NewPublisher(js.Conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Drain(ctx); err != nil {
			t.Errorf("records still in flight at the end: %v", err)
		}
	})
	return p, js
}

// inFlight is what p counts in flight.
func inFlight(p *Publisher) (msgs, bytes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.msgs, p.bytes
}

// send publishes one batch of records to the given subjects and waits
// for it with ctx.
func send(t *testing.T, ctx context.Context, p *Publisher, failing <-chan struct{}, subjects ...string) *PubBatch {
	t.Helper()
	b := p.Begin(len(subjects))
	for i, s := range subjects {
		b.msgs[i].Subject, b.msgs[i].Data = s, []byte("record "+strconv.Itoa(i))
		if err := p.Publish(ctx, b, i); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	p.Wait(ctx, b, failing, func() error { return errors.New("write x: no space left on device") })
	return b
}

// TestPublisherSequences: every record of a batch gets its own stream
// sequence, from its own acknowledgement, and the room it took is given
// back.
func TestPublisherSequences(t *testing.T) {
	p, _ := startPublisher(t)
	ctx := context.Background()
	for round := range 3 {
		subjects := make([]string, 300)
		for i := range subjects {
			subjects[i] = "p." + strconv.Itoa(i%4)
		}
		b := send(t, ctx, p, nil, subjects...)
		for i := range subjects {
			if b.errs[i] != nil || b.state[i] != recDone {
				t.Fatalf("round %d record %d: state %d, %v", round, i, b.state[i], b.errs[i])
			}
			if want := uint64(round*300 + i + 1); b.seqs[i] != want {
				t.Fatalf("round %d record %d: sequence %d, want %d", round, i, b.seqs[i], want)
			}
		}
	}
	if m, n := inFlight(p); m != 0 || n != 0 {
		t.Errorf("in flight after all answered: %d records, %d bytes", m, n)
	}
}

// TestPublisherFailures: a record nobody answers fails with the put's
// deadline (a throughput error to the caller) or with the store's error
// when it fails meanwhile; one no stream takes fails with
// ErrNoStreamResponse after its retries; JetStream's own refusal comes
// back as its API error; an answer after the put gave up changes
// nothing; and every record's room is given back.
func TestPublisherFailures(t *testing.T) {
	p, js := startPublisher(t)
	late := make(chan *nats.Msg, 4)
	if _, err := js.Conn.Subscribe("silent.>", func(m *nats.Msg) { late <- m }); err != nil {
		t.Fatal(err)
	}
	if err := js.Conn.Flush(); err != nil {
		t.Fatal(err)
	}

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		b := send(t, ctx, p, nil, "p.0", "silent.a")
		if b.errs[0] != nil || b.seqs[0] == 0 {
			t.Errorf("answered record: %d, %v", b.seqs[0], b.errs[0])
		}
		if !errors.Is(b.errs[1], context.DeadlineExceeded) || !errors.Is(publishError(b.errs[1]), ErrThroughput) {
			t.Errorf("unanswered record: %v (%v), want the deadline, a throughput error", b.errs[1], publishError(b.errs[1]))
		}
		m := <-late
		if err := m.Respond([]byte(`{"stream":"P","seq":99}`)); err != nil { // after the put gave up
			t.Fatal(err)
		}
		_ = js.Conn.Flush()
		time.Sleep(50 * time.Millisecond)
		if b.seqs[1] != 0 {
			t.Errorf("a late answer changed a given-up record: %d", b.seqs[1])
		}
	})

	t.Run("store fails", func(t *testing.T) {
		failing := make(chan struct{})
		time.AfterFunc(100*time.Millisecond, func() { close(failing) })
		b := send(t, context.Background(), p, failing, "silent.b")
		if !errors.Is(b.errs[0], ErrStorageFull) {
			t.Errorf("record waiting when the store failed: %v, want ErrStorageFull", b.errs[0])
		}
		<-late
	})

	t.Run("no stream", func(t *testing.T) {
		begin := time.Now()
		b := send(t, context.Background(), p, nil, "nostream.x")
		if !errors.Is(b.errs[0], jetstream.ErrNoStreamResponse) {
			t.Errorf("record no stream takes: %v, want ErrNoStreamResponse", b.errs[0])
		}
		if d := time.Since(begin); d < publishRetries*publishRetryWait {
			t.Errorf("failed after %v, before its %d retries", d, publishRetries)
		}
	})

	t.Run("refused", func(t *testing.T) {
		b := p.Begin(1)
		b.msgs[0].Subject, b.msgs[0].Header = "p.1", nats.Header{jetstream.ExpectedStreamHeader: []string{"OTHER"}}
		if err := p.Publish(context.Background(), b, 0); err != nil {
			t.Fatal(err)
		}
		p.Wait(context.Background(), b, nil, nil)
		var api *jetstream.APIError
		if !errors.As(b.errs[0], &api) || api.Code != 400 {
			t.Errorf("record for the wrong stream: %v, want JetStream's API error", b.errs[0])
		}
	})

	if m, n := inFlight(p); m != 0 || n != 0 {
		t.Errorf("in flight after all answered or given up: %d records, %d bytes", m, n)
	}
}

// TestPublisherBounds: a record that finds the records in flight at their
// bound waits for room, and fails with ErrTooManyStalledMsgs (a
// throughput error) when none comes within PublishStallWait; room given
// back lets it go. The bound in bytes holds the same way, except for a
// record alone in flight.
func TestPublisherBounds(t *testing.T) {
	p, _ := startPublisher(t)
	fill := func(msgs, bytes int) {
		p.mu.Lock()
		p.msgs, p.bytes = msgs, bytes
		p.mu.Unlock()
	}
	ctx := context.Background()

	fill(PublishMaxPending, 0)
	begin := time.Now()
	err := p.reserve(ctx, 10)
	if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) || !errors.Is(publishError(err), ErrThroughput) {
		t.Fatalf("reserve with %d records in flight: %v, want ErrTooManyStalledMsgs", PublishMaxPending, err)
	}
	if d := time.Since(begin); d < PublishStallWait {
		t.Errorf("gave up after %v, before PublishStallWait", d)
	}

	fill(1, PublishMaxPendingBytes)
	got := make(chan error, 1)
	go func() { got <- p.reserve(ctx, 1) }()
	select {
	case err := <-got:
		t.Fatalf("reserve past the bound in bytes did not wait: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	p.mu.Lock()
	p.release(PublishMaxPendingBytes)
	p.mu.Unlock()
	if err := <-got; err != nil {
		t.Fatalf("reserve once room came: %v", err)
	}
	if m, n := inFlight(p); m != 1 || n != 1 {
		t.Errorf("in flight: %d records, %d bytes; want 1, 1", m, n)
	}

	fill(0, 0)
	if err := p.reserve(ctx, 2*PublishMaxPendingBytes); err != nil {
		t.Errorf("a record larger than the bound, alone: %v", err)
	}
	fill(0, 0)
}

// TestParseAck: JetStream's answers read as nats.go reads them.
func TestParseAck(t *testing.T) {
	for _, c := range []struct {
		data string
		seq  uint64
		err  error // nil, ErrInvalidJSAck, or an *APIError (any)
	}{
		{`{"stream":"KDS_s","seq":42}`, 42, nil},
		{`{"stream":"KDS_s","seq":42,"duplicate":true}`, 42, nil},
		{`{"stream":"KDS_s","seq":7,"domain":"hub"}`, 7, nil},
		{`{"stream":"KDS_s","seq":18446744073709551615}`, 18446744073709551615, nil},
		{`{"stream":"KDS_s","seq":007}`, 0, jetstream.ErrInvalidJSAck},
		{`{"seq":5,"stream":"x"}`, 5, nil},
		{`{"stream":"","seq":5}`, 0, jetstream.ErrInvalidJSAck},
		{`{"error":{"code":503,"err_code":10023,"description":"insufficient resources"},"stream":"","seq":0}`, 0, &jetstream.APIError{}},
		{`{"stream":"KDS_s","seq":5,"error":{"code":503,"err_code":10077,"description":"no space left on device"}}`, 0, &jetstream.APIError{}},
		{`{"stream":"KDS_s","seq":5,"seq":6}`, 6, nil},
		{`{"stream":"KDS_s","seq":5`, 0, jetstream.ErrInvalidJSAck},
		{`not json`, 0, jetstream.ErrInvalidJSAck},
		{``, 0, jetstream.ErrInvalidJSAck},
	} {
		seq, err := parseAck([]byte(c.data))
		var api *jetstream.APIError
		switch {
		case c.err == nil && (err != nil || seq != c.seq):
			t.Errorf("%s: %d, %v; want %d", c.data, seq, err, c.seq)
		case c.err == jetstream.ErrInvalidJSAck && !errors.Is(err, jetstream.ErrInvalidJSAck):
			t.Errorf("%s: %d, %v; want ErrInvalidJSAck", c.data, seq, err)
		case c.err != nil && c.err != jetstream.ErrInvalidJSAck && !errors.As(err, &api):
			t.Errorf("%s: %d, %v; want JetStream's API error", c.data, seq, err)
		}
	}
	full := `{"error":{"code":503,"err_code":10023,"description":"insufficient resources"}}`
	if _, err := parseAck([]byte(full)); !errors.Is(StorageError(err), ErrStorageFull) {
		t.Errorf("a full store's answer: %v, want a storage error", err)
	}
}

// FuzzParseAck holds the quick reading of an acknowledgement to the one
// through encoding/json.
func FuzzParseAck(f *testing.F) {
	for _, s := range []string{`{"stream":"S","seq":1}`, `{"stream":"S","seq":12,"domain":"d"}`, `{"stream":"S","seq":3,"seq":4}`,
		`{"stream":"S","seq":3,"error":{"code":1}}`, `{"stream":"S","seq":3,"x":"\"seq\""}`, `{"stream":"S\"","seq":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seq, ok := quickAck(data)
		if !ok {
			return
		}
		var pa struct {
			Error    *jetstream.APIError `json:"error,omitempty"`
			Stream   string              `json:"stream"`
			Sequence uint64              `json:"seq"`
		}
		if err := json.Unmarshal(data, &pa); err != nil || pa.Error != nil || pa.Stream == "" || pa.Sequence != seq {
			t.Fatalf("%q: quick %d; encoding/json %+v, %v", data, seq, pa, err)
		}
	})
}
