package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-io/sluice/runtime"
	"github.com/sluice-io/sluice/sinks/keys"
)

// transform runs the processor over a batch, one invocation per sub-batch
// of at most BatchRecords records and BatchMiB. Ok records come back with
// their new data and partition keys, in source order; Dropped ones are
// counted; ProcessingFailed ones, and every record of a sub-batch whose
// invocation failed Retries+1 times, go to the error output. Without a
// processor every record passes as it is. It fails only when ctx ends.
func (st *stages) transform(ctx context.Context, batch []record, o *output) ([]outRecord, error) {
	out := make([]outRecord, 0, len(batch))
	if st.module == nil {
		for i := range batch {
			out = append(out, outRecord{src: &batch[i], data: batch[i].data})
		}
		return out, nil
	}
	proc := st.def.Processor
	maxBytes := int(proc.BatchMiB * mib)
	for start := 0; start < len(batch); {
		end, size := start, 0
		for end < len(batch) && end-start < proc.BatchRecords && (end == start || size+len(batch[end].data) <= maxBytes) {
			size += len(batch[end].data)
			end++
		}
		recs, err := st.invoke(ctx, batch[start:end], o)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		start = end
	}
	return out, nil
}

// invoke runs one sub-batch through the module with retries.
func (st *stages) invoke(ctx context.Context, sub []record, o *output) ([]outRecord, error) {
	name := st.def.Name
	met := st.p.m.met
	b := &runtime.Batch{
		InvocationID:      fmt.Sprintf("%s-%s-%s", name, sub[0].id(), sub[len(sub)-1].id()),
		DeliveryStreamARN: st.p.m.arn(name),
		Region:            st.p.m.cfg.Region,
		Records:           make([]runtime.Record, len(sub)),
	}
	if st.def.Source.Kind == SourceDataStream && st.p.m.deps.Streams != nil {
		b.SourceStreamARN = st.p.m.deps.Streams.ARN(st.def.Source.Stream)
	}
	for i := range sub {
		r := &sub[i]
		b.Records[i] = runtime.Record{RecordID: r.id(), ArrivalTime: r.arrival, Data: r.data}
		if r.shardID != "" {
			b.Records[i].Kinesis = &runtime.KinesisMetadata{
				ShardID: r.shardID, PartitionKey: r.partitionKey, SequenceNumber: r.sequenceNumber,
				SubsequenceNumber: r.sub, ArrivalTime: r.arrival,
			}
		}
	}
	attempts := *st.def.Processor.Retries + 1
	var resp *runtime.Response
	var err error
	for a := 1; a <= attempts; a++ {
		resp, err = st.module.Transform(ctx, b)
		if err == nil {
			met.invocations.WithLabelValues(name, "success").Inc()
			break
		}
		if ctx.Err() != nil || errors.Is(err, runtime.ErrClosed) || errors.Is(err, runtime.ErrCanceled) {
			return nil, fmt.Errorf("transform: %w", err)
		}
		met.invocations.WithLabelValues(name, "failure").Inc()
		st.p.log.Warn("processor invocation failed", "module", st.module.Ref().String(), "attempt", a, "error", err)
		if a < attempts {
			met.invocationRetries.WithLabelValues(name).Inc()
		}
	}
	if err != nil {
		for i := range sub {
			o.errors = append(o.errors, st.newError(&sub[i], keys.ProcessingFailed, codeFunctionError, err.Error(), attempts, sub[i].data))
		}
		met.transformRecords.WithLabelValues(name, "processing_failed").Add(float64(len(sub)))
		return nil, nil
	}
	answer := answers(b, resp)
	out := make([]outRecord, 0, len(sub))
	var ok, dropped, failed int
	for i := range sub {
		r := &sub[i]
		res := answer(i)
		switch res.Status {
		case runtime.StatusOk:
			out = append(out, outRecord{src: r, data: res.Data, keys: res.PartitionKeys})
			ok++
		case runtime.StatusDropped:
			dropped++
		default:
			msg := res.ErrorMessage
			if msg == "" {
				msg = "the processor returned ProcessingFailed"
			}
			o.errors = append(o.errors, st.newError(r, keys.ProcessingFailed, codeProcessingFailed, msg, 1, r.data))
			failed++
		}
	}
	o.dropped += dropped
	met.transformRecords.WithLabelValues(name, "ok").Add(float64(ok))
	met.transformRecords.WithLabelValues(name, "dropped").Add(float64(dropped))
	met.transformRecords.WithLabelValues(name, "processing_failed").Add(float64(failed))
	return out, nil
}

// arn is a delivery stream's ARN.
func (m *Manager) arn(name string) string {
	return fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", m.cfg.Region, m.cfg.AccountID, name)
}

// answers returns, for the index of a record of b, its answer in resp. The
// runtime checked that every record is answered once; answers mostly come
// in the batch's order, so a map is built only when one does not.
func answers(b *runtime.Batch, resp *runtime.Response) func(i int) *runtime.Result {
	var byID map[string]*runtime.Result
	return func(i int) *runtime.Result {
		id := b.Records[i].RecordID
		if i < len(resp.Records) && resp.Records[i].RecordID == id {
			return &resp.Records[i]
		}
		if byID == nil {
			byID = make(map[string]*runtime.Result, len(resp.Records))
			for j := range resp.Records {
				byID[resp.Records[j].RecordID] = &resp.Records[j]
			}
		}
		return byID[id]
	}
}
