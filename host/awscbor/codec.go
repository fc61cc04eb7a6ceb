package awscbor

import (
	"mime"

	"github.com/fxamacker/cbor/v2"
)

// ContentType is the content type of CBOR requests and answers.
const ContentType = "application/x-amz-cbor-1.1"

// Is reports whether a Content-Type header's value names the CBOR
// protocol (the media type without regard to case; parameters ignored).
func Is(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == ContentType
}

// decMode decodes requests: see the package doc for why each option.
var decMode = mustDecMode(cbor.DecOptions{
	DupMapKey:         cbor.DupMapKeyEnforcedAPF,
	FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
	IndefLength:       cbor.IndefLengthAllowed,
	TagsMd:            cbor.TagsAllowed,
	BignumTag:         cbor.BignumTagForbidden,
	// Types that happen to implement encoding.BinaryUnmarshaler (time.Time
	// does) are decoded by their fields' rules, never from a byte string.
	BinaryUnmarshaler:  cbor.BinaryUnmarshalerNone,
	ByteStringToString: cbor.ByteStringToStringForbidden,
	UTF8:               cbor.UTF8RejectInvalid,
})

// encMode encodes answers: definite lengths, struct members in their Go
// order, omitempty as encoding/json reads it (a struct is never empty),
// nil slices and maps as null as encoding/json writes them, no
// BinaryMarshaler or TextMarshaler shortcuts.
var encMode = mustEncMode(cbor.EncOptions{
	Sort:            cbor.SortNone,
	IndefLength:     cbor.IndefLengthForbidden,
	NilContainers:   cbor.NilContainerAsNull,
	OmitEmpty:       cbor.OmitEmptyGoValue,
	BinaryMarshaler: cbor.BinaryMarshalerNone,
	TextMarshaler:   cbor.TextMarshalerNone,
	ShortestFloat:   cbor.ShortestFloatNone,
	BigIntConvert:   cbor.BigIntConvertShortest,
})

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}

func mustEncMode(o cbor.EncOptions) cbor.EncMode {
	m, err := o.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}

// Unmarshal decodes data, one CBOR data item and nothing after it, into
// v (a pointer), reading members by their json tags. Every failure is a
// *DecodeError whose message says what was wrong in the request's terms.
func Unmarshal(data []byte, v any) error {
	if err := decMode.Unmarshal(data, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// Marshal encodes v, writing members by their json tags.
func Marshal(v any) ([]byte, error) { return encMode.Marshal(v) }
