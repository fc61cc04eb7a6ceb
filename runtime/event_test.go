package runtime

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEventRoundTrip(t *testing.T) {
	b := &Batch{
		InvocationID:      "inv",
		DeliveryStreamARN: "arn:aws:firehose:us-east-1:123456789012:deliverystream/d",
		Region:            "us-east-1",
		SourceStreamARN:   "arn:aws:kinesis:us-east-1:123456789012:stream/s",
		Records: []Record{
			{RecordID: "1", ArrivalTime: time.UnixMilli(1700000000123).UTC(), Data: []byte{0, 1, 2, 0xff},
				Kinesis: &KinesisMetadata{ShardID: "shardId-000000000001", PartitionKey: "pk", SequenceNumber: "4960", SubsequenceNumber: 3, ArrivalTime: time.UnixMilli(1700000000100).UTC()}},
			{RecordID: "2", ArrivalTime: time.UnixMilli(1700000000124).UTC(), Data: []byte("plain")},
		},
	}
	js, err := EncodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"data":"AAEC/w=="`, `"kinesisRecordMetadata":{"shardId":"shardId-000000000001","partitionKey":"pk","approximateArrivalTimestamp":1700000000100,"sequenceNumber":"4960","subsequenceNumber":3}`, `"sourceKinesisStreamArn"`, `"approximateArrivalTimestamp":1700000000124`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("event %s lacks %s", js, want)
		}
	}
	got, err := DecodeEvent(js)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, b)
	}
}

func TestDecodeEventABIExample(t *testing.T) {
	b, err := DecodeEvent([]byte(`{"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:x", "region": "us-east-1",
	 "records": [{"recordId": "r1", "approximateArrivalTimestamp": 1700000000000, "data": "aGk="}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := b.Records[0]
	if r.RecordID != "r1" || string(r.Data) != "hi" || r.Kinesis != nil || b.SourceStreamARN != "" || r.ArrivalTime.UnixMilli() != 1700000000000 {
		t.Errorf("decoded %+v", b)
	}
}

func TestResponseRoundTrip(t *testing.T) {
	resp := &Response{Records: []Result{
		{RecordID: "1", Status: StatusOk, Data: []byte("new"), PartitionKeys: map[string]string{"k": "v"}},
		{RecordID: "2", Status: StatusDropped},
		{RecordID: "3", Status: StatusProcessingFailed, ErrorMessage: "why"},
	}}
	js, err := EncodeResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"records":[{"recordId":"1","result":"Ok","data":"bmV3","metadata":{"partitionKeys":{"k":"v"}}},{"recordId":"2","result":"Dropped"},{"recordId":"3","result":"ProcessingFailed","errorMessage":"why"}]}`
	if string(js) != want {
		t.Errorf("encoded\n got %s\nwant %s", js, want)
	}
	got, err := DecodeResponse(js)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, resp) {
		t.Errorf("round trip %+v", got)
	}
	for _, bad := range []string{`{`, `{"records":[{"recordId":"1","result":"Maybe"}]}`, `{"records":[{"recordId":"1","result":"Ok","data":"!!"}]}`, `{}`} {
		if _, err := DecodeResponse([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "malformed response") {
			t.Errorf("DecodeResponse(%s): %v", bad, err)
		}
	}
}
