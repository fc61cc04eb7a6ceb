package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-io/sluice/sinks/keys"
	"github.com/sluice-io/sluice/sinks/kinesisdest"
)

// forwardDestination is a Kinesis data stream or a Firehose delivery
// stream the records are put to.
type forwardDestination struct {
	kind     string // DestKinesis or DestFirehose
	client   *kinesisdest.Client
	retryFor time.Duration
	fixedKey string // StreamDest.PartitionKey
}

// newForwardDestination builds the stream's client, with its credentials
// resolved now (a reference is read here, never stored) and its
// connections through the server's egress policy.
func newForwardDestination(p *pipeline, def *Definition) (*forwardDestination, error) {
	d := &def.Destination
	c, err := p.m.streamClient(d, "destination")
	if err != nil {
		return nil, err
	}
	s := d.stream()
	return &forwardDestination{kind: d.Kind, client: c, retryFor: time.Duration(*s.RetrySeconds) * time.Second, fixedKey: s.PartitionKey}, nil
}

// streamClient builds the client of a Kinesis or Firehose destination (at
// names it in errors), backing off as the Manager's other retries do.
func (m *Manager) streamClient(d *Destination, at string) (*kinesisdest.Client, error) {
	s := d.stream()
	if s == nil {
		return nil, fmt.Errorf("destination kind %q is not a stream", d.Kind)
	}
	at += "." + d.Kind
	// A definition stored before this rule fails here with the rule.
	if err := checkStreamCredentials(s, d.Kind, at); err != nil {
		return nil, err
	}
	id, err := m.secret(s.AccessKeyID, s.AccessKeyIDFrom, at+".accessKeyId")
	if err != nil {
		return nil, err
	}
	key, err := m.secret(s.SecretAccessKey, s.SecretAccessKeyFrom, at+".secretAccessKey")
	if err != nil {
		return nil, err
	}
	return kinesisdest.New(kinesisdest.Config{
		Kind:               kinesisdest.Kind(d.Kind),
		Endpoint:           s.Endpoint,
		Region:             s.Region,
		Stream:             s.Stream,
		AccessKeyID:        id,
		SecretAccessKey:    key,
		AmbientCredentials: s.UseAmbientCredentials,
	}, kinesisdest.WithHTTPClient(m.client), kinesisdest.WithBackoff(m.cfg.BackoffMin, m.cfg.BackoffMax))
}

// partitionKey is the Kinesis partition key and explicit hash key of a
// record made of source record r: the destination's fixed key; else r's
// own (a data-stream source's, a KPL user record's with its explicit hash
// key); else one derived from r's position, the same on every replay.
func (f *forwardDestination) partitionKey(name string, r *record) (key, hash string) {
	switch {
	case f.fixedKey != "":
		return f.fixedKey, ""
	case r.partitionKey != "":
		return r.partitionKey, r.explicitHashKey
	}
	sum := sha256.Sum256([]byte(name + "\x00" + r.id()))
	return hex.EncodeToString(sum[:16]), ""
}

// sendForward puts a batch's records to the stream. An outage is waited
// out (with the Manager's backoff, for as long as it takes: the records
// wait in the source); records the stream throttles are retried for the
// retry duration; records it refuses, or still throttles then, go to the
// error output as delivery-failed with the stream's code
// ("Kinesis.ResourceNotFoundException"). It fails only when ctx ends or a
// drain is asked for while it waits: the batch is then replayed from its
// intent, sending again what was accepted (at least once).
func (st *stages) sendForward(ctx context.Context, o *output) error {
	if len(o.recs) == 0 {
		return nil
	}
	f := st.forward
	met := st.p.m.met
	name := st.def.Name
	recs := make([]kinesisdest.Record, len(o.recs))
	for i, data := range o.recs {
		recs[i].Data = data
		if f.kind == DestKinesis {
			recs[i].PartitionKey, recs[i].ExplicitHashKey = f.partitionKey(name, o.recSrc[i])
		}
	}
	results, err := f.client.Deliver(ctx, kinesisdest.Batch{
		Records:  recs,
		RetryFor: f.retryFor,
		OnRetry: func(e *kinesisdest.CallError) {
			met.deliveryFailures.WithLabelValues(name, f.kind).Inc()
			met.deliveryRetries.WithLabelValues(name, f.kind).Inc()
			st.p.failed(e)
		},
		Wait: st.p.pause,
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, kinesisdest.ErrStopped) {
			return errDrained // the batch is replayed from its intent
		}
		return err
	}
	prefix := "Kinesis."
	if f.kind == DestFirehose {
		prefix = "Firehose."
	}
	failed, bytes := 0, 0
	var first error
	for i, e := range results {
		if e == nil {
			bytes += len(o.recs[i])
			continue
		}
		failed++
		if first == nil {
			first = e
		}
		code, attempts := "", 1
		var re *kinesisdest.RecordError
		if errors.As(e, &re) {
			code, attempts = re.Code, max(re.Attempts, 1)
		}
		o.errors = append(o.errors, st.newError(o.recSrc[i], keys.DeliveryFailed, prefix+code, e.Error(), attempts, o.recs[i]))
	}
	if n := len(o.recs) - failed; n > 0 {
		met.deliveredObjects.WithLabelValues(name, f.kind).Inc()
		met.deliveredRecords.WithLabelValues(name, f.kind).Add(float64(n))
		met.deliveredBytes.WithLabelValues(name, f.kind).Add(float64(bytes))
	}
	if failed > 0 {
		met.deliveryFailures.WithLabelValues(name, f.kind).Inc()
		st.p.log.Warn("the stream refused records; they go to the error output",
			"destination", f.client.String(), "records", failed, "of", len(o.recs), "error", first)
	}
	o.delivered -= failed
	return nil
}
