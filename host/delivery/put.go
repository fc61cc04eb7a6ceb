package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/streams"
)

// Limits of a direct put, Firehose's PutRecordBatch.
const (
	MaxPutRecords   = 500
	MaxPutBytes     = 4 << 20
	MaxRecordBytes  = 1000 << 10
	directStreamPre = "FH_"
	directSubjPre   = "fh."
)

// PutResult is the outcome of one put record: its RecordID, or Err
// (wrapping ErrThrottled or ErrStorageFull, or an internal failure).
type PutResult struct {
	RecordID string
	Err      error
}

// directStream is the JetStream stream holding a direct-put delivery
// stream's records; '.' (allowed in names) becomes '~' as for data streams.
func directStream(name string) string { return directStreamPre + strings.ReplaceAll(name, ".", "~") }

func directSubject(name string) string { return directSubjPre + strings.ReplaceAll(name, ".", "~") }

func (m *Manager) directConfig(name string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        directStream(name),
		Description: "Sluice delivery stream " + name + " (direct put)",
		Subjects:    []string{directSubject(name)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      m.cfg.DirectPutMaxAge,
		Replicas:    m.cfg.Replicas,
	}
}

// CheckPut checks a direct put against Firehose's limits: 1 to 500
// records, 4 MiB in all, 1,000 KiB each. The API layer may call it before
// Put to answer with a validation error.
func CheckPut(records [][]byte) error {
	if len(records) < 1 || len(records) > MaxPutRecords {
		return invalidf("records has %d entries; it must have between 1 and %d", len(records), MaxPutRecords)
	}
	total := 0
	for i, r := range records {
		if len(r) > MaxRecordBytes {
			return invalidf("record %d is %d bytes; a record may be at most %d bytes (1,000 KiB)", i, len(r), MaxRecordBytes)
		}
		total += len(r)
	}
	if total > MaxPutBytes {
		return invalidf("records total %d bytes; a put may carry at most %d bytes (4 MiB)", total, MaxPutBytes)
	}
	return nil
}

// Put stores records in a direct-put delivery stream. It publishes them
// all, then waits for JetStream's acknowledgements (streams.Publisher): a record with a
// RecordID is stored durably and will be delivered. A record that could not
// be stored has Err set (ErrThrottled when JetStream pushed back).
func (m *Manager) Put(ctx context.Context, name string, records [][]byte) ([]PutResult, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := CheckPut(records); err != nil {
		return nil, err
	}
	if err := m.usable(); err != nil {
		return nil, err
	}
	p := m.pipeline(name)
	var src Source
	if p != nil {
		src = p.def.Source
	} else {
		// Another host runs it (or none yet): the records wait in its
		// direct-put stream all the same.
		st, err := m.definition(ctx, name)
		if err != nil {
			return nil, err
		}
		src = st.Def.Source
	}
	if src.Kind != SourceDirectPut {
		return nil, fmt.Errorf("%w: %s reads the data stream %s", ErrNotDirectPut, name, src.Stream)
	}
	subject, stream := directSubject(name), directStream(name)
	res := make([]PutResult, len(records))
	storageErr, failing := m.storageState()
	if storageErr != nil {
		for i := range res {
			res[i].Err = storageErr
		}
		return res, nil
	}
	// A record JetStream never answers (its stream's leader went down
	// with it) fails at the put's deadline instead of holding the call.
	ctx, cancel := context.WithTimeout(ctx, m.cfg.PutTimeout)
	defer cancel()
	b := m.pub.Begin(len(records))
	expect := nats.Header{jetstream.ExpectedStreamHeader: []string{stream}}
	for i, r := range records {
		msg := b.Msg(i)
		msg.Subject, msg.Data, msg.Header = subject, r, expect
		if err := m.pub.Publish(ctx, b, i); err != nil {
			res[i].Err = m.orStorage(putError(err))
		}
	}
	m.pub.Wait(ctx, b, failing, m.storageErr)
	stored, bytes, throttled := 0, 0, 0
	for i := range records {
		seq, sent, err := b.Result(i)
		if !sent {
			continue
		}
		if errors.Is(err, context.DeadlineExceeded) {
			res[i].Err = fmt.Errorf("%w: not acknowledged by JetStream within %v; it may have been stored, so a retry may store it twice (%v)", ErrThrottled, m.cfg.PutTimeout, err)
			continue
		}
		if err != nil {
			res[i].Err = m.orStorage(putError(err))
			continue
		}
		res[i].RecordID = recordID(seq)
		stored++
		bytes += len(records[i])
	}
	for i := range res {
		if errors.Is(res[i].Err, ErrThrottled) {
			throttled++
		}
	}
	m.met.incomingRecords.WithLabelValues(name).Add(float64(stored))
	m.met.incomingBytes.WithLabelValues(name).Add(float64(bytes))
	if throttled > 0 {
		m.met.throttled.WithLabelValues(name).Add(float64(throttled))
	}
	if p != nil {
		p.count(stored, bytes)
	}
	return res, nil
}

// recordID is the RecordId of a direct-put record: its sequence in the
// direct-put stream, zero-padded to 20 digits like Sluice's sequence numbers.
func recordID(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// putError classifies a failed publish: a full store is ErrStorageFull,
// back-pressure ErrThrottled (the caller retries), anything else an
// internal failure.
func putError(err error) error {
	if errors.Is(err, ErrStorageFull) {
		return err
	}
	if serr := streams.StorageError(err); serr != nil {
		return serr
	}
	if errors.Is(err, jetstream.ErrTooManyStalledMsgs) || errors.Is(err, nats.ErrSlowConsumer) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return fmt.Errorf("%w: %v", ErrThrottled, err)
	}
	return fmt.Errorf("put: %w", err)
}

// definition is an ACTIVE delivery stream's stored definition, as the
// watch last saw it (else read from the bucket): ErrNotFound otherwise.
func (m *Manager) definition(ctx context.Context, name string) (*stored, error) {
	m.mu.Lock()
	st := m.defs[name]
	m.mu.Unlock()
	if st == nil || st.Status != StatusActive { // the watch may lag a create
		var err error
		if st, _, err = m.store.getDef(ctx, name); err != nil {
			return nil, err
		}
	}
	if st.Status != StatusActive {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return st, nil
}
