package transform

import "strconv"

// Status is a record's outcome, with the numeric codes of the ABI.
type Status uint8

// The outcomes of a record, as in the Firehose record contract.
const (
	// StatusOk means the record was transformed; its new data goes on.
	StatusOk Status = 0
	// StatusDropped means the record is deliberately left out.
	StatusDropped Status = 1
	// StatusProcessingFailed means the record could not be transformed; its
	// original data goes to the error output with the error message.
	StatusProcessingFailed Status = 2
)

// String returns the Firehose name of the status: Ok, Dropped or ProcessingFailed.
func (s Status) String() string {
	switch s {
	case StatusOk:
		return "Ok"
	case StatusDropped:
		return "Dropped"
	case StatusProcessingFailed:
		return "ProcessingFailed"
	default:
		return "Status(" + strconv.Itoa(int(s)) + ")"
	}
}

// Result is the answer for one record. Build one with [Ok],
// [OkWithPartitionKeys], [Drop] or [Fail]. The zero Result is Ok with empty
// data.
type Result struct {
	// Status is the outcome.
	Status Status
	// Data is the new record data; used only when Status is StatusOk.
	Data []byte
	// PartitionKeys are the dynamic-partitioning keys of the record
	// (Firehose's partitionKeyFromLambda); only used when Status is StatusOk.
	PartitionKeys map[string]string
	// Error says why the record failed; only used when Status is
	// StatusProcessingFailed.
	Error string
}

// Ok returns a successful result carrying data as the record's new data.
func Ok(data []byte) Result {
	return Result{Status: StatusOk, Data: data}
}

// OkWithPartitionKeys returns a successful result carrying data and the
// record's dynamic-partitioning keys.
func OkWithPartitionKeys(data []byte, keys map[string]string) Result {
	return Result{Status: StatusOk, Data: data, PartitionKeys: keys}
}

// Drop returns a result that deliberately leaves the record out.
func Drop() Result {
	return Result{Status: StatusDropped}
}

// Fail returns a ProcessingFailed result with err's text as the reason. A
// nil err gives an empty reason.
func Fail(err error) Result {
	r := Result{Status: StatusProcessingFailed}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}
