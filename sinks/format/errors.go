package format

import "errors"

// Sentinel errors of the package; the errors it returns wrap one of them.
var (
	// ErrInvalidSpec marks a Spec or schema that New refuses.
	ErrInvalidSpec = errors.New("invalid format spec")
	// ErrConversion marks a record that does not fit the Parquet schema;
	// the error is a *ConversionError.
	ErrConversion = errors.New("format conversion failed")
	// ErrFinished marks a call on an Object after Finish.
	ErrFinished = errors.New("object already finished")
)

// ConversionError says why one record could not become a Parquet row. The
// record was not added; the object stays usable for the records that follow.
// Firehose writes such records under the error prefix as
// "format-conversion-failed".
type ConversionError struct {
	// Reason names the field path and the problem, for example
	// `field "loc.lat": want double, got string "north"`.
	Reason string
}

// Error implements error.
func (e *ConversionError) Error() string { return "format conversion failed: " + e.Reason }

// Unwrap makes errors.Is(err, ErrConversion) true.
func (e *ConversionError) Unwrap() error { return ErrConversion }
