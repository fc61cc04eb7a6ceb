package firehose

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
)

// Firehose's limits and paging defaults.
const (
	// MaxBatchRecords, MaxBatchBytes and MaxRecordBytes are PutRecordBatch's
	// limits: 500 records, 4 MiB in all, 1,000 KiB each (the delivery
	// package's, which Manager.Put enforces).
	MaxBatchRecords = delivery.MaxPutRecords
	MaxBatchBytes   = delivery.MaxPutBytes
	MaxRecordBytes  = delivery.MaxRecordBytes

	listDefault = 10
	listMax     = 10000
)

type empty struct{}

func (a *api) create(ctx context.Context, body []byte, in *createInput) (*createOutput, error) {
	def, err := a.cfg.translate(json.RawMessage(body), in)
	if err != nil {
		return nil, err
	}
	if in.DeliveryStreamEncryptionConfigurationInput != nil {
		if def.Source.Kind == delivery.SourceDataStream {
			return nil, invalid("DeliveryStreamEncryptionConfigurationInput: delivery stream %s reads a Kinesis stream, whose records are encrypted as that stream's are; leave it out.", def.Name)
		}
		if err := a.cfg.checkSSE(def.Name, in.DeliveryStreamEncryptionConfigurationInput); err != nil {
			return nil, err
		}
	}
	if _, err := a.mgr.CreateTagged(ctx, def, tagsOf(in.Tags)); err != nil {
		return nil, err
	}
	return &createOutput{DeliveryStreamARN: a.cfg.ARN(def.Name)}, nil
}

func (a *api) describe(ctx context.Context, in *describeInput) (*describeOutput, error) {
	if err := required(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if _, err := intIn(in.Limit, "limit", 1, listMax, listDefault); err != nil {
		return nil, err
	}
	def, st, err := a.mgr.Describe(ctx, in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	d := a.cfg.describe(def, statusOf(st))
	d.FailureDescription = failureOf(st)
	d.DeliveryStreamEncryptionConfiguration = a.cfg.encryptionOf()
	if in.ExclusiveStartDestinationId != "" {
		// The one destination comes before any id given to start after.
		d.Destinations = []destinationDescription{}
	}
	return &describeOutput{DeliveryStreamDescription: d}, nil
}

func (a *api) list(ctx context.Context, in *listInput) (*listOutput, error) {
	limit, err := intIn(in.Limit, "limit", 1, listMax, listDefault)
	if err != nil {
		return nil, err
	}
	switch in.DeliveryStreamType {
	case "", delivery.SourceDirectPut, delivery.SourceDataStream:
	default:
		return nil, validation("Value '%s' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]", in.DeliveryStreamType)
	}
	names, err := a.mgr.List(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := &listOutput{DeliveryStreamNames: []string{}}
	for _, name := range names {
		if in.ExclusiveStartDeliveryStreamName != "" && name <= in.ExclusiveStartDeliveryStreamName {
			continue
		}
		if in.DeliveryStreamType != "" {
			def, _, err := a.mgr.Describe(ctx, name)
			if err != nil {
				continue // deleted meanwhile
			}
			if def.Source.Kind != in.DeliveryStreamType {
				continue
			}
		}
		if len(out.DeliveryStreamNames) == limit {
			out.HasMoreDeliveryStreams = true
			break
		}
		out.DeliveryStreamNames = append(out.DeliveryStreamNames, name)
	}
	return out, nil
}

func (a *api) delete(ctx context.Context, in *deleteInput) (*empty, error) {
	if err := required(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	return &empty{}, a.mgr.Delete(ctx, in.DeliveryStreamName)
}

func (a *api) putRecord(ctx context.Context, in *putRecordInput) (*putRecordOutput, error) {
	if err := required(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if in.Record == nil || in.Record.Data == nil {
		return nil, validation("Value null at 'record.data' failed to satisfy constraint: Member must not be null")
	}
	if n := len(in.Record.Data); n > MaxRecordBytes {
		return nil, validation("Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to %d (it has %d bytes)", MaxRecordBytes, n)
	}
	res, err := a.mgr.Put(ctx, in.DeliveryStreamName, [][]byte{in.Record.Data})
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, errResultCount(len(res), 1)
	}
	if res[0].Err != nil {
		return nil, a.awsError(res[0].Err)
	}
	return &putRecordOutput{RecordId: res[0].RecordID, Encrypted: a.cfg.EncryptedAtRest}, nil
}

func (a *api) putRecordBatch(ctx context.Context, in *putRecordBatchInput) (*putRecordBatchOutput, error) {
	if err := required(in.DeliveryStreamName, "deliveryStreamName"); err != nil {
		return nil, err
	}
	if len(in.Records) == 0 {
		return nil, validation("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(in.Records) > MaxBatchRecords {
		return nil, validation("Value at 'records' failed to satisfy constraint: Member must have length less than or equal to %d (it has %d records)", MaxBatchRecords, len(in.Records))
	}
	data := make([][]byte, len(in.Records))
	total := 0
	for i, r := range in.Records {
		if r == nil || r.Data == nil {
			return nil, validation("Value null at 'records.%d.member.data' failed to satisfy constraint: Member must not be null", i+1)
		}
		if n := len(r.Data); n > MaxRecordBytes {
			return nil, validation("Value at 'records.%d.member.data' failed to satisfy constraint: Member must have length less than or equal to %d (it has %d bytes)", i+1, MaxRecordBytes, n)
		}
		total += len(r.Data)
		data[i] = r.Data
	}
	if total > MaxBatchBytes {
		return nil, invalid("Records size %d bytes exceeds the limit of %d bytes (4 MiB) for PutRecordBatch.", total, MaxBatchBytes)
	}
	res, err := a.mgr.Put(ctx, in.DeliveryStreamName, data)
	if err != nil {
		return nil, err
	}
	if len(res) != len(data) {
		return nil, errResultCount(len(res), len(data))
	}
	out := &putRecordBatchOutput{RequestResponses: make([]putRecordBatchEntry, len(res)), Encrypted: a.cfg.EncryptedAtRest}
	for i, r := range res {
		if r.Err != nil {
			out.FailedPutCount++
			code := errorName(r.Err)
			if code != ServiceUnavailable {
				code = InternalFailure
			}
			out.RequestResponses[i] = putRecordBatchEntry{ErrorCode: code, ErrorMessage: r.Err.Error()}
			continue
		}
		out.RequestResponses[i] = putRecordBatchEntry{RecordId: r.RecordID}
	}
	return out, nil
}

// Firehose's DeliveryStreamStatus for a delivery stream that cannot
// deliver until something is changed, and FailureDescription's type for a
// failure that is not one of its KMS or network ones.
const (
	statusSuspended    = "SUSPENDED"
	failureUnknownType = "UNKNOWN_ERROR"
)

// statusOf is the DeliveryStreamStatus of a manager status: RETRYING is
// still ACTIVE (delivery goes on being tried, records wait), and so is
// UNASSIGNED (no host runs it this moment; Firehose has no word for
// that, and records are still taken); FAILED is SUSPENDED;
// FailureDescription says why (failureOf).
func statusOf(st delivery.Status) string {
	switch st.State {
	case "", delivery.StatusRetrying, delivery.StatusUnassigned:
		return delivery.StatusActive
	case delivery.StatusFailed:
		return statusSuspended
	}
	return st.State
}

// failureOf is the FailureDescription of a delivery stream that is
// RETRYING or FAILED: the state, the last error and since when.
func failureOf(st delivery.Status) *failureDescription {
	if !st.Failing() {
		return nil
	}
	return &failureDescription{
		Type: failureUnknownType,
		Details: fmt.Sprintf("%s since %s: %s", st.State, st.FailingSince.UTC().Format(time.RFC3339),
			st.LastError),
	}
}

func required(s, field string) error {
	if s == "" {
		return validation("Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return nil
}

type resultCountError struct{ got, want int }

func (e resultCountError) Error() string {
	return "delivery manager answered " + strconv.Itoa(e.got) + " results for " + strconv.Itoa(e.want) + " records"
}

func errResultCount(got, want int) error { return resultCountError{got, want} }
