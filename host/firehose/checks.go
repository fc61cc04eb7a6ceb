package firehose

import (
	"fmt"
	"strconv"

	"github.com/sluice-io/sluice/host/awsjson"
	"github.com/sluice-io/sluice/host/delivery"
	"github.com/sluice-io/sluice/host/streams"
)

// validator is an operation's input that checks its members (with the
// constraints of Firehose's API model) before the operation runs; every
// failure is reported at once, as AWS's validation layer does.
type validator interface{ validate(v *awsjson.Violations) }

var namePattern = awsjson.NewPattern(streams.NamePattern)

// checkName checks a DeliveryStreamName member.
func checkName(v *awsjson.Violations, name *string) {
	v.String("deliveryStreamName", name, true, 1, delivery.MaxNameLen, &namePattern)
}

// checkNameValue checks a DeliveryStreamName held as a string ("" is
// absent).
func checkNameValue(v *awsjson.Violations, name string) {
	if name == "" {
		checkName(v, nil)
		return
	}
	checkName(v, &name)
}

func (in *describeInput) validate(v *awsjson.Violations) {
	checkNameValue(v, in.DeliveryStreamName)
	v.Int("limit", in.Limit, false, 1, listMax)
}

func (in *deleteInput) validate(v *awsjson.Violations) { checkNameValue(v, in.DeliveryStreamName) }

func (in *listInput) validate(v *awsjson.Violations) {
	v.Int("limit", in.Limit, false, 1, listMax)
	if in.DeliveryStreamType != "" {
		v.Enum("deliveryStreamType", &in.DeliveryStreamType, false, delivery.SourceDirectPut, delivery.SourceDataStream, "MSKAsSource", "DatabaseAsSource")
	}
}

// checkData checks a record's Data member.
func checkData(v *awsjson.Violations, field string, r *record) {
	if r == nil || r.Data == nil {
		v.Required(field, false)
		return
	}
	if n := len(r.Data); n > MaxRecordBytes {
		v.AddValue(streams.BlobValue(n), field, fmt.Sprintf("Member must have length less than or equal to %d", MaxRecordBytes))
	}
}

func (in *putRecordInput) validate(v *awsjson.Violations) {
	checkNameValue(v, in.DeliveryStreamName)
	if in.Record == nil {
		v.Required("record", false)
		return
	}
	checkData(v, "record.data", in.Record)
}

func (in *putRecordBatchInput) validate(v *awsjson.Violations) {
	checkNameValue(v, in.DeliveryStreamName)
	if in.Records == nil {
		v.Required("records", false)
		return
	}
	v.Count("records", "["+strconv.Itoa(len(in.Records))+" records]", len(in.Records), 1, MaxBatchRecords)
	for i, r := range in.Records {
		checkData(v, "records."+strconv.Itoa(i+1)+".member.data", r)
	}
}

func (in *createInput) validate(v *awsjson.Violations) {
	checkNameValue(v, in.DeliveryStreamName)
	if in.DeliveryStreamType != "" {
		v.Enum("deliveryStreamType", &in.DeliveryStreamType, false, delivery.SourceDirectPut, delivery.SourceDataStream, "MSKAsSource", "DatabaseAsSource")
	}
	checkTags(v, "tags", in.Tags, false)
	if e := in.DeliveryStreamEncryptionConfigurationInput; e != nil {
		checkEncryptionConfig(v, "deliveryStreamEncryptionConfigurationInput", e)
	}
}
